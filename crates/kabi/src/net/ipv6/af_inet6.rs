//! net/ipv6/af_inet6.c: `ipv6_mod_enabled`.

crate::kfn! {
    /// `ipv6_mod_enabled()`: IPv6 is built in (`CONFIG_IPV6=y`) and the
    /// host's command line has no `ipv6.disable=1`: true.
    fn ipv6_mod_enabled() -> bool {
        true
    }
}

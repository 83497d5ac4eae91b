//! net/core: namespaces, devices, links.

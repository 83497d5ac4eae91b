//! arch/x86/kernel/head_64.S: `empty_zero_page`, the page of zeros code
//! reads as a source of zero bytes (libchacha20poly1305 pads with it, the
//! sg and block layers map it). Nobody writes it.

crate::export_data!("empty_zero_page", size 4096, align 4096);

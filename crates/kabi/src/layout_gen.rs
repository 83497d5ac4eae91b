//! Turns the `kabi__<group>__<name>` records of `kabi_layout.ko`
//! (tests/modules/kabi_layout, built against Debian's headers) into the
//! Rust source of [`crate::layout`]. Used by `examples/gen-layout.rs`
//! and by the test that checks the committed file is current.

use std::collections::BTreeMap;

/// Member names that are Rust keywords (written `r#name`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// The generated `layout.rs` for a built `kabi_layout.ko` image.
pub fn generate(image: &[u8], release: &str) -> Result<String, String> {
    let elf = kofile::elf::Elf::parse(image).map_err(|e| format!("not an ELF module: {e}"))?;
    let symtab = kofile::symbols::SymbolTable::new(&elf).map_err(|e| format!("symbol table: {e}"))?;
    let mut groups: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for s in symtab.defined() {
        let Ok(name) = std::str::from_utf8(s.name) else { continue };
        let Some(rest) = name.strip_prefix("kabi__") else { continue };
        let Some((group, field)) = rest.split_once("__") else { continue };
        let sec = elf.sections().get(usize::from(s.shndx)).ok_or_else(|| format!("{name}: bad section"))?;
        let data = elf.section_data(sec).ok_or_else(|| format!("{name}: section has no data"))?;
        let v = elf.read_uint(data, s.value, 8).ok_or_else(|| format!("{name}: value out of bounds"))?;
        groups.entry(group.to_string()).or_default().insert(field.to_string(), v);
    }
    if groups.is_empty() {
        return Err("no kabi__ records".into());
    }
    let mut out = format!(
        "//! Structure layouts of Debian's Linux {release} (x86_64), as its headers\n\
         //! lay them out: offsets of members and sizes, in bytes.\n\
         //!\n\
         //! GENERATED from tests/modules/kabi_layout by\n\
         //! `cargo run -p kabi --example gen-layout > crates/kabi/src/layout.rs`;\n\
         //! do not edit. `cargo test -p kabi --test layout` fails when it is stale.\n\n\
         #![allow(non_upper_case_globals, dead_code)]\n"
    );
    for (g, fields) in &groups {
        out.push_str(&format!("\npub mod {g} {{\n"));
        for (f, v) in fields {
            let f = if KEYWORDS.contains(&f.as_str()) { format!("r#{f}") } else { f.clone() };
            out.push_str(&format!("    pub const {f}: u64 = {v:#x};\n"));
        }
        out.push_str("}\n");
    }
    Ok(out)
}

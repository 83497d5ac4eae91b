//! libkmod `.bin` index (v2.1 trie).

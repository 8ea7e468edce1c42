"""The one pipeline: discover -> load -> validate -> facts -> evaluate -> gate. Every entry point calls it."""

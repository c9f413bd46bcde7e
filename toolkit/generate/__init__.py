"""Pure generators: validated inputs in, text out, no I/O."""

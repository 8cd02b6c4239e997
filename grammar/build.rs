// Placeholder so the crate builds before the grammar's C sources land; the
// grammar work replaces this with the real cc build of src/parser.c.
fn main() {}

fn main() {
    let mut buffer = itoa::Buffer::new();
    println!("numfmt: {}", buffer.format(1_234_567u32));
}

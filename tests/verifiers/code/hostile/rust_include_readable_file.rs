// task: rust_add_io
// Embeds a file the compiler can read (the image's own /etc/passwd) and prints it in
// place of an answer: what it reads is the sandbox's, and it is still no answer.
fn main() {
    print!("{}", include_str!("/etc/passwd"));
}

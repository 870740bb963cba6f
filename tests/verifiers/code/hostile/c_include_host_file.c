// task: c_add_io
// Pulls files into the compiler's output: secrets by #include (their text lands in the
// diagnostics) and, with the assembler's .incbin, bytes into the program itself; the sum
// is printed only if a host secret (the Docker socket, the host's shadow file) was read.
#include "/etc/shadow"
#include <stdio.h>
__asm__(".section .rodata\nembedded: .incbin \"/etc/hostname\"\n.byte 0\n.previous");
int main(void) {
    return 0;
}

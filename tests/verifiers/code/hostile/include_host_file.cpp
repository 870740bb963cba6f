// task: cpp_add_io
// Tries to pull host secrets into the compiler's error output.
#include "/etc/shadow"
#include "/var/run/docker.sock"
int main() { return 0; }

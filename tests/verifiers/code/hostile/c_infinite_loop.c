// task: c_add_io
// Never ends (and ignores the signals a judge might send first).
#include <signal.h>
int main(void) {
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGXCPU, SIG_IGN);
    volatile unsigned long x = 0;
    for (;;) x++;
}

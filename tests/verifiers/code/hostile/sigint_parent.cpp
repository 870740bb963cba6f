// task: cpp_add_io
// Interrupts its parent and PID 1 with every catchable terminating signal, then answers
// wrongly: the completion must score WRONG, not INFRA_ERROR.
#include <csignal>
#include <cstdio>
#include <unistd.h>
int main() {
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};
    for (int s : sigs) {
        kill(getppid(), s);
        kill(1, s);
    }
    usleep(20000);
    puts("wrong");
}

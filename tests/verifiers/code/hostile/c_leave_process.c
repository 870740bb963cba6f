// task: c_add_io
// then: c_find_left_process.c
// Answers correctly but leaves a daemon in a new session that keeps writing a file.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", a + b);
    fflush(stdout);
    if (fork() == 0) {
        setsid();
        if (fork() == 0) {
            signal(SIGTERM, SIG_IGN);
            signal(SIGHUP, SIG_IGN);
            for (int i = 0; i < 256; i++) close(i);
            for (;;) {
                FILE *f = fopen("/work/daemon_was_here", "w");
                if (f) fclose(f);
                usleep(10000);
            }
        }
        _exit(0);
    }
    return 0;
}

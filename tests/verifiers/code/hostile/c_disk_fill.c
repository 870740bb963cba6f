// task: c_add_io
// Fills /tmp, /work and /dev/shm until writes fail, then answers wrongly.
#include <stdio.h>
#include <string.h>

int main(void) {
    static char block[1 << 20];
    const char *dirs[] = {"/tmp", "/work", "/dev/shm"};
    memset(block, 'x', sizeof block);
    for (int d = 0; d < 3; d++) {
        for (int i = 0; i < 10000; i++) {
            char path[64];
            snprintf(path, sizeof path, "%s/fill%d", dirs[d], i);
            FILE *f = fopen(path, "wb");
            if (f == NULL) break;
            size_t n = fwrite(block, 1, sizeof block, f);
            if (fclose(f) != 0 || n != sizeof block) break;
        }
    }
    puts("wrong");
    return 0;
}

// task: c_add_io
// Floods stdout without end, starting with what would be the right answer.
#include <stdio.h>
#include <string.h>
int main(void) {
    long long a, b;
    char line[4096];
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", a + b);
    memset(line, 'y', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    for (;;) puts(line);
}

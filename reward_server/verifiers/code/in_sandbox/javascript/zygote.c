// The system calls the JavaScript zygote (zygote.js) needs and Node.js does not offer:
// fork, a socket read with passed descriptors, and becoming a candidate process (the
// same set-up as the supervisor's processes.child_setup: own session, the given stdio,
// limits, the candidate uid). Built in the image as zygote.node, a Node-API addon:
//   gcc -shared -fPIC -O2 -o zygote.node zygote.c
// Node-API is a stable C ABI; the few declarations it needs are written out here, so
// the build needs no Node.js headers.
//
// zygote.sh also preloads this file (LD_PRELOAD), for one thing the addon cannot do from
// inside: node waits for its platform's worker threads whenever the event loop runs dry
// (WorkerThreadsTaskRunner::BlockingDrain), and V8 posts them a task at every garbage
// collection even with --single-threaded, which then does the work on the main thread.
// A forked node has no worker threads (fork copies only the calling thread): the posted
// tasks never run and node would wait forever. In a forked process the wait is skipped.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
extern napi_status napi_create_int32(napi_env, int32_t, napi_value *);
extern napi_status napi_create_string_utf8(napi_env, const char *, size_t, napi_value *);
extern napi_status napi_create_array_with_length(napi_env, size_t, napi_value *);
extern napi_status napi_set_element(napi_env, napi_value, uint32_t, napi_value);
extern napi_status napi_get_element(napi_env, napi_value, uint32_t, napi_value *);
extern napi_status napi_get_array_length(napi_env, napi_value, uint32_t *);
extern napi_status napi_get_null(napi_env, napi_value *);
extern napi_status napi_get_boolean(napi_env, int, napi_value *);
extern napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *,
                                        napi_value *);
extern napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
extern napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *, napi_value *,
                                    napi_value *, void **);
extern napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
extern napi_status napi_get_value_double(napi_env, napi_value, double *);
extern napi_status napi_get_value_string_utf8(napi_env, napi_value, char *, size_t, size_t *);
extern napi_status napi_throw_error(napi_env, const char *, const char *);
extern napi_status napi_get_uv_event_loop(napi_env, void **);
extern int uv_loop_fork(void *); // libuv's, loaded with node
extern void uv_update_time(void *);

#define CANDIDATE_UID 10001
#define CANDIDATE_GID 10001
#define MAX_JOB (1 << 16)
// Signals the zygote ignores (a candidate may send them to anything it can see); a
// candidate gets node's own dispositions back.
static const int IGNORED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_IGNORED (sizeof IGNORED / sizeof IGNORED[0])
static struct sigaction saved[N_IGNORED];
static int forked; // this process is a fork of the zygote: its platform has no workers

void _ZN4node23WorkerThreadsTaskRunner13BlockingDrainEv(void *self) {
    static void (*drain)(void *);
    if (forked) return;
    if (drain == NULL) {
        drain = (void (*)(void *))dlsym(RTLD_NEXT, "_ZN4node23WorkerThreadsTaskRunner13BlockingDrainEv");
        if (drain == NULL) abort();
    }
    drain(self);
}

static napi_value num(napi_env env, int32_t v) {
    napi_value r;
    napi_create_int32(env, v, &r);
    return r;
}

static int args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
    size_t argc = n;
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    return argc == n;
}

static int32_t int_arg(napi_env env, napi_value v) {
    int32_t out = -1;
    napi_get_value_int32(env, v, &out);
    return out;
}

// V8 marks its heap pages MADV_DONTFORK: a child would fault on its first heap access.
static void heap_to_children(void) {
    FILE *maps = fopen("/proc/self/maps", "re");
    char line[512];
    unsigned long start, end;
    while (maps && fgets(line, sizeof line, maps)) {
        if (sscanf(line, "%lx-%lx", &start, &end) == 2) {
            madvise((void *)start, end - start, MADV_DOFORK);
        }
    }
    if (maps) fclose(maps);
}

// guard(): as the supervisor's long-lived processes, not dumpable and deaf to the
// signals a candidate could send.
static napi_value guard(napi_env env, napi_callback_info info) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    for (size_t i = 0; i < N_IGNORED; i++) sigaction(IGNORED[i], &ignore, &saved[i]);
    return NULL;
}

// forkSpare() -> [pid, handover fd] in the active process; in the spare, once the
// active process hands it the socket (writes "go"), [0, -1]; a spare whose parent died
// without handing over exits.
static napi_value fork_spare(napi_env env, napi_callback_info info) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        napi_throw_error(env, NULL, strerror(errno));
        return NULL;
    }
    heap_to_children();
    pid_t pid = fork();
    napi_value out;
    napi_create_array_with_length(env, 2, &out);
    if (pid != 0) {
        close(pipefd[0]);
        napi_set_element(env, out, 0, num(env, pid));
        napi_set_element(env, out, 1, num(env, pipefd[1]));
        return out;
    }
    close(pipefd[1]);
    forked = 1;
    char word[2];
    ssize_t got;
    do {
        got = read(pipefd[0], word, 2);
    } while (got < 0 && errno == EINTR);
    if (got != 2 || memcmp(word, "go", 2) != 0) _exit(0);
    close(pipefd[0]);
    napi_set_element(env, out, 0, num(env, 0));
    napi_set_element(env, out, 1, num(env, -1));
    return out;
}

// recvJob(sock) -> [job text, fd, fd, fd], or null when the supervisor closed the socket
// or sent anything but one message with three descriptors.
static napi_value recv_job(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    napi_value none;
    napi_get_null(env, &none);
    if (!args(env, info, 1, argv)) return none;
    static char buf[MAX_JOB + 1];
    char control[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {buf, MAX_JOB};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(int_arg(env, argv[0]), &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n <= 0 || c == NULL || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(3 * sizeof(int))) {
        return none;
    }
    int fds[3];
    memcpy(fds, CMSG_DATA(c), sizeof fds);
    napi_value out, text;
    napi_create_array_with_length(env, 4, &out);
    napi_create_string_utf8(env, buf, (size_t)n, &text);
    napi_set_element(env, out, 0, text);
    for (int i = 0; i < 3; i++) napi_set_element(env, out, i + 1, num(env, fds[i]));
    return out;
}

// sendAll(fd, text): the whole text, or an exception.
static napi_value send_all(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    if (!args(env, info, 2, argv)) return NULL;
    char buf[4096];
    size_t len = 0;
    napi_get_value_string_utf8(env, argv[1], buf, sizeof buf, &len);
    int fd = int_arg(env, argv[0]);
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            napi_throw_error(env, NULL, strerror(errno));
            return NULL;
        }
        done += (size_t)n;
    }
    return NULL;
}

// handOver(fd): the spare becomes the active process.
static napi_value hand_over(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    if (!args(env, info, 1, argv)) return NULL;
    int fd = int_arg(env, argv[0]);
    if (write(fd, "go", 2) != 2) {}
    close(fd);
    return NULL;
}

// reaped(pid) -> true when that child has exited (and is now reaped).
static napi_value reaped(napi_env env, napi_callback_info info) {
    napi_value argv[1], r;
    int gone = 0;
    if (args(env, info, 1, argv)) gone = waitpid(int_arg(env, argv[0]), NULL, WNOHANG) > 0;
    napi_get_boolean(env, gone, &r);
    return r;
}

static void set_limit(int resource, rlim_t value) {
    struct rlimit lim = {value, value};
    if (setrlimit(resource, &lim) == 0) return;
    if (getrlimit(resource, &lim) == 0) {
        rlim_t v = value < lim.rlim_max ? value : lim.rlim_max;
        lim.rlim_cur = lim.rlim_max = v;
        setrlimit(resource, &lim);
    }
}

// becomeCandidate(stdin fd, stdout fd, stderr fd, socket fd, [[resource, value], ...],
// ["NAME=value", ...]) -> the process's pid. As processes.child_setup: own session, the
// given stdio, signals as node set them, the OOM killer's first choice, the limits,
// then the candidate uid for good (or exit 126), cwd /work, the job's environment. The
// event loop gets kernel state of its own (the epoll instance was shared with the spare)
// and a fresh clock.
static napi_value become_candidate(napi_env env, napi_callback_info info) {
    napi_value argv[6];
    if (!args(env, info, 6, argv)) _exit(126);
    int in = int_arg(env, argv[0]), out = int_arg(env, argv[1]), err = int_arg(env, argv[2]);
    setsid();
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    int extra[] = {in, out, err, int_arg(env, argv[3])};
    for (int i = 0; i < 4; i++) {
        if (extra[i] > 2) close(extra[i]);
    }
    for (size_t i = 0; i < N_IGNORED; i++) sigaction(IGNORED[i], &saved[i], NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (adj >= 0) {
        if (write(adj, "1000", 4) != 4) {}
        close(adj);
    }
    uint32_t n = 0;
    napi_get_array_length(env, argv[4], &n);
    for (uint32_t i = 0; i < n; i++) {
        napi_value pair, res, val;
        double value = -1;
        napi_get_element(env, argv[4], i, &pair);
        napi_get_element(env, pair, 0, &res);
        napi_get_element(env, pair, 1, &val);
        napi_get_value_double(env, val, &value);
        if (value >= 0) set_limit(int_arg(env, res), (rlim_t)value);
    }
    if (setgroups(0, NULL) != 0 && errno != EPERM) _exit(126);
    if (setresgid(CANDIDATE_GID, CANDIDATE_GID, CANDIDATE_GID) != 0) _exit(126);
    if (setresuid(CANDIDATE_UID, CANDIDATE_UID, CANDIDATE_UID) != 0) _exit(126);
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    getresuid(&ruid, &euid, &suid);
    getresgid(&rgid, &egid, &sgid);
    if (!ruid || !euid || !suid || !rgid || !egid || !sgid) _exit(126);
    if (chdir("/work") != 0) _exit(126);
    clearenv();
    napi_get_array_length(env, argv[5], &n);
    for (uint32_t i = 0; i < n; i++) {
        napi_value item;
        char entry[8192];
        size_t len = 0;
        napi_get_element(env, argv[5], i, &item);
        if (napi_get_value_string_utf8(env, item, entry, sizeof entry, &len) == 0 && len) {
            putenv(strdup(entry));
        }
    }
    void *loop = NULL;
    if (napi_get_uv_event_loop(env, &loop) != 0 || loop == NULL || uv_loop_fork(loop) != 0) {
        _exit(126);
    }
    // The loop's clock was last read when the zygote started (its loop never ran): timers
    // the program sets before the first turn of the loop would count from then.
    uv_update_time(loop);
    return num(env, getpid());
}

// pid() -> this process's pid (node's process.pid is the one it started with).
static napi_value own_pid(napi_env env, napi_callback_info info) { return num(env, getpid()); }

// exit(code): ends the process at once. A forked node must not run its own exit, which
// waits for platform threads that only its parent has.
static napi_value exit_now(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    _exit(args(env, info, 1, argv) ? int_arg(env, argv[0]) & 0xff : 1);
    return NULL;
}

static void export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
    napi_value f;
    napi_create_function(env, name, strlen(name), fn, NULL, &f);
    napi_set_named_property(env, exports, name, f);
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
    export(env, exports, "guard", guard);
    export(env, exports, "forkSpare", fork_spare);
    export(env, exports, "recvJob", recv_job);
    export(env, exports, "sendAll", send_all);
    export(env, exports, "handOver", hand_over);
    export(env, exports, "reaped", reaped);
    export(env, exports, "becomeCandidate", become_candidate);
    export(env, exports, "pid", own_pid);
    export(env, exports, "exit", exit_now);
    return exports;
}

int32_t node_api_module_get_api_version_v1(void) { return 8; }

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * One io test: the program's main class loaded by a fresh class loader (so no static state
 * carries over), run in a new "main" thread with the test's stdin and captured streams, and
 * ended as its own JVM would end: when main and every other non-daemon thread of the
 * program are done, at System.exit, or at once when stdout goes over its cap.
 */
final class TestRun {
    static final int STACK_BYTES = 1 << 20; // -Xss1m, the main thread's stack in a real run
    static final int STDERR_CAP = 16 * 1024;
    static final long EXIT_GRACE_MS = 200; // for the exiting threads to unwind
    static final long POLL_MS = 2;

    final Capture out;
    final Capture err;
    private int exitCode;
    private boolean ended; // by System.exit or the output cap: output after it is dropped
    private boolean mainDone;
    private boolean outputLimit;

    TestRun(int maxOutput) {
        out = new Capture(maxOutput, this::overflow);
        err = new Capture(STDERR_CAP, null);
    }

    /** The reply's fields: exit code, flags, stdout, stderr. */
    static final class Result {
        final int exitCode;
        final boolean outputLimit;
        final boolean tainted;
        final byte[] stdout;
        final byte[] stderr;

        Result(int exitCode, boolean outputLimit, boolean tainted, byte[] stdout, byte[] stderr) {
            this.exitCode = exitCode;
            this.outputLimit = outputLimit;
            this.tainted = tainted;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    /** Called by the security manager when a program thread calls System.exit. */
    synchronized void exit(int status) {
        if (!ended) {
            ended = true;
            exitCode = status & 0xff; // what the parent of a process would see
            freeze();
            notifyAll();
        }
    }

    private synchronized void overflow() {
        if (!ended) {
            ended = true;
            outputLimit = true;
            freeze();
            notifyAll();
        }
    }

    private synchronized void mainEnded(boolean threw) {
        mainDone = true;
        if (threw && !ended) {
            exitCode = 1; // the java launcher's status for an exception out of main
        }
        notifyAll();
    }

    private synchronized boolean ended() {
        return ended;
    }

    private void freeze() {
        out.freeze();
        err.freeze();
    }

    /** Runs the test; System.in/out/err are left set to its streams (the caller restores). */
    Result run(String mainClass, URL classes, byte[] input, Charset charset)
            throws IOException, InterruptedException {
        Set<Thread> before = liveThreads();
        System.setIn(new ByteArrayInputStream(input));
        // Built like the JDK builds System.out and System.err for a pipe.
        System.setOut(new PrintStream(new BufferedOutputStream(out, 128), true, charset));
        System.setErr(new PrintStream(new BufferedOutputStream(err, 128), true, charset));
        ProgramGroup group = new ProgramGroup();
        boolean tainted;
        // The platform loader as parent: the program sees the JDK, never the runner.
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Thread main =
                    new Thread(group, () -> runMain(loader, mainClass), "main", STACK_BYTES);
            main.setContextClassLoader(loader);
            main.start();
            synchronized (this) {
                while (!ended && !mainDone) {
                    wait();
                }
            }
            awaitNonDaemon(group);
            synchronized (this) {
                ended = true;
                freeze();
            }
            if (!outputLimit && anyAlive(group)) { // the runner exits after output_limit
                awaitAll(group, EXIT_GRACE_MS);
            }
            tainted = anyAlive(group) || leftThreads(before);
        }
        if (!tainted) {
            try {
                group.destroy();
            } catch (IllegalThreadStateException stillInUse) {
                tainted = true;
            }
        }
        return new Result(exitCode, outputLimit, tainted, out.bytes(), err.bytes());
    }

    private void runMain(ClassLoader loader, String mainClass) {
        StackTraceElement[] runner = new Throwable().getStackTrace();
        boolean threw = false;
        try {
            Class<?> cls = Class.forName(mainClass, true, loader);
            Method main = cls.getMethod("main", String[].class);
            int mods = main.getModifiers();
            if (!Modifier.isStatic(mods) || main.getReturnType() != void.class) {
                System.err.println("Error: Main method not found in class " + mainClass);
                threw = true;
                return;
            }
            main.setAccessible(true); // the class itself need not be public
            main.invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException e) {
            threw = uncaught(e.getCause(), runner);
        } catch (NoSuchMethodException | ClassNotFoundException e) {
            System.err.println("Error: Main method not found in class " + mainClass);
            threw = true;
        } catch (Throwable e) {
            threw = uncaught(e, runner);
        } finally {
            mainEnded(threw);
        }
    }

    /** Hands an exception out of main to the thread's handler (by default printed as the
     * JVM prints it); false for the runner's own exit signal. */
    private static boolean uncaught(Throwable e, StackTraceElement[] runner) {
        if (e instanceof ExitSignal) {
            return false;
        }
        trimRunnerFrames(e, runner);
        Thread self = Thread.currentThread();
        try {
            self.getUncaughtExceptionHandler().uncaughtException(self, e);
        } catch (Throwable ignored) {
            // The JVM ignores an exception out of the handler as well.
        }
        return true;
    }

    /** Drops the frames below the program's (this runner's `runner` frames, then the
     * reflective call), as the java launcher's trace has none. A trace cut short (a deep
     * recursion) does not end in the runner's frames and is left whole. */
    private static void trimRunnerFrames(Throwable e, StackTraceElement[] runner) {
        StackTraceElement[] trace = e.getStackTrace();
        int end = trace.length - runner.length;
        if (end < 0) {
            return;
        }
        for (int i = 0; i < runner.length; i++) {
            StackTraceElement a = trace[end + i], b = runner[i];
            if (!a.getClassName().equals(b.getClassName())
                    || !a.getMethodName().equals(b.getMethodName())) {
                return;
            }
        }
        while (end > 0 && isCallFrame(trace[end - 1].getClassName())) {
            end--;
        }
        if (end > 0) {
            e.setStackTrace(Arrays.copyOf(trace, end));
        }
    }

    private static boolean isCallFrame(String cls) {
        return cls.equals("java.lang.Class")
                || cls.equals("java.lang.reflect.Method")
                || cls.startsWith("jdk.internal.reflect.");
    }

    /** Waits for the program's non-daemon threads, as a JVM does before it exits; stops
     * early when the test ends by System.exit or the output cap. */
    private void awaitNonDaemon(ThreadGroup group) throws InterruptedException {
        while (!ended()) {
            Thread next = null;
            for (Thread t : threads(group)) {
                if (t.isAlive() && !t.isDaemon()) {
                    next = t;
                    break;
                }
            }
            if (next == null) {
                return;
            }
            next.join(POLL_MS);
        }
    }

    private static void awaitAll(ThreadGroup group, long ms) throws InterruptedException {
        long deadline = System.nanoTime() + ms * 1_000_000;
        for (Thread t : threads(group)) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return;
            }
            t.join(left);
        }
    }

    private static boolean anyAlive(ThreadGroup group) {
        for (Thread t : threads(group)) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private static Thread[] threads(ThreadGroup group) {
        Thread[] all = new Thread[group.activeCount() + 8];
        int n = group.enumerate(all, true);
        return Arrays.copyOf(all, n);
    }

    /** Whether threads the program started outside its group still run. The common
     * fork-join pool's idle workers (a parallel stream's) run none of its code. */
    private static boolean leftThreads(Set<Thread> before) throws InterruptedException {
        ForkJoinPool common = ForkJoinPool.commonPool();
        for (Thread t : liveThreads()) {
            if (before.contains(t)) {
                continue;
            }
            boolean commonWorker = t instanceof ForkJoinWorkerThread
                    && ((ForkJoinWorkerThread) t).getPool() == common;
            if (!commonWorker || !quiesces(common)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the pool goes idle within the exit grace. Its workers still scan for a
     * moment after the last task's result reaches the program, longer on a busy host, so
     * one look could call a finished parallel stream a leftover. Polled rather than
     * awaitQuiescence, which would run the program's queued tasks on this thread. */
    private static boolean quiesces(ForkJoinPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + EXIT_GRACE_MS * 1_000_000;
        while (!pool.isQuiescent()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /** Every live thread of the JVM (a program may start one outside its group). */
    private static Set<Thread> liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Set<Thread> live = new HashSet<>(Arrays.asList(threads(root)));
        live.removeIf(t -> !t.isAlive());
        return live;
    }

    /** The program's threads: its main thread and every thread it starts (by default). */
    static final class ProgramGroup extends ThreadGroup {
        ProgramGroup() {
            super("main");
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            if (!(e instanceof ExitSignal)) {
                super.uncaughtException(t, e);
            }
        }
    }

    /** Thrown out of System.exit in a program thread: the thread unwinds, the test ends. */
    static final class ExitSignal extends SecurityException {
        private static final long serialVersionUID = 1L;

        ExitSignal() {
            super("System.exit", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // cheap: never printed
        }
    }
}

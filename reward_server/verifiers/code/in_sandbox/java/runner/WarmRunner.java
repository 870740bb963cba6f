import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Permission;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * The warm io runner (runtime.json `io_serve`): one JVM runs every io test of a compiled
 * program, each in a fresh class loader, instead of starting a JVM per test.
 *
 * <p>Lines on fd 0/1 (the host's protocol): hello `ready` or `cold <reason>`; then per
 * request `run <b64 stdin>` a reply `done <exit code> <flags> <b64 stdout> <b64 stderr>`,
 * flags `-` or a comma list of output_limit and tainted. After a tainted or output_limit
 * reply the runner exits: the program may have left state behind. Limits of time and
 * memory are the host's (the JVM's ExitOnOutOfMemoryError ends this process).
 */
public final class WarmRunner {
    static final Path CLASSES = Path.of("/work/classes");

    private static Thread runnerThread;
    private static volatile boolean exiting;
    private static volatile TestRun current;

    private WarmRunner() {}

    public static void main(String[] args) throws Exception {
        runnerThread = Thread.currentThread();
        PrintStream log = System.err;
        LineReader channelIn = new LineReader(new FileInputStream(FileDescriptor.in));
        OutputStream channelOut = new FileOutputStream(FileDescriptor.out);
        JdkState base = new JdkState();
        base.restore(); // from here on nothing but the replies reaches fd 1
        Charset charset = stdoutCharset();
        String mainClass;
        ClassScan scan;
        try {
            mainClass = Files.readString(CLASSES.resolve("main-class")).trim();
            scan = ClassScan.of(CLASSES.toFile());
        } catch (IOException | RuntimeException e) {
            mainClass = null;
            scan = null;
        }
        if (scan == null || scan.refusal != null) {
            String why = scan == null ? "cannot read the compiled classes" : scan.refusal;
            send(channelOut, "cold " + why.replaceAll("[^ -~]", "?"));
            halt(0);
        }
        if (scan.mentionsExit) {
            // Java 17 still lets a program install one; it prints a deprecation warning on
            // fd 2. A program that reaches exit unseen (a name built at run time) ends the
            // runner: the host then runs that test in a JVM of its own.
            System.setSecurityManager(new ExitGuard());
        }
        URL classes = CLASSES.toUri().toURL();
        int maxOutput = maxOutput();
        send(channelOut, "ready");
        String line;
        while ((line = channelIn.readLine()) != null) {
            if (!line.startsWith("run ")) {
                log.println("warm runner: unexpected request " + line);
                halt(2);
            }
            byte[] input = Base64.getDecoder().decode(line.substring(4));
            TestRun test = new TestRun(maxOutput);
            current = test;
            Set<String> processes = processes();
            TestRun.Result result = test.run(mainClass, classes, input, charset);
            if (!processes.containsAll(processes())) {
                // A one-off run that leaves a process fails; this runner cannot say so, so
                // it gives no reply: the host runs the test again in a JVM of its own.
                log.println("warm runner: a process of the program outlived its test");
                halt(3);
            }
            current = null;
            base.restore();
            send(channelOut, reply(result));
            if (result.tainted || result.outputLimit) {
                halt(0);
            }
        }
        halt(0);
    }

    static String reply(TestRun.Result r) {
        Base64.Encoder b64 = Base64.getEncoder();
        String flags = r.outputLimit && r.tainted
                ? "output_limit,tainted"
                : r.outputLimit ? "output_limit" : r.tainted ? "tainted" : "-";
        return "done " + r.exitCode + " " + flags + " " + b64.encodeToString(r.stdout) + " "
                + b64.encodeToString(r.stderr);
    }

    /** The charset the JDK gives System.out: the console's if fd 1 is one, else the default. */
    private static Charset stdoutCharset() {
        String enc = System.getProperty("sun.stdout.encoding");
        try {
            return enc != null ? Charset.forName(enc) : Charset.defaultCharset();
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    private static int maxOutput() {
        String cap = System.getenv("SANDBOX_MAX_OUTPUT");
        try {
            return cap == null ? Integer.MAX_VALUE - 16 : (int) Math.min(Long.parseLong(cap.trim()), Integer.MAX_VALUE - 16);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE - 16;
        }
    }

    private static void send(OutputStream channel, String line) throws IOException {
        channel.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        channel.flush();
    }

    /** Reads protocol lines (a request holds a whole test's input: read in blocks). */
    static final class LineReader {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int start;
        private int end;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line without its "\n"; null at the end of input. */
        String readLine() throws IOException {
            ByteArrayOutputStream longer = null;
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buf[i] == '\n') {
                        String tail = new String(buf, start, i - start, StandardCharsets.US_ASCII);
                        start = i + 1;
                        return longer == null ? tail : longer.toString(StandardCharsets.US_ASCII) + tail;
                    }
                }
                if (longer == null) {
                    longer = new ByteArrayOutputStream();
                }
                longer.write(buf, start, end - start);
                start = 0;
                end = Math.max(in.read(buf), 0);
                if (end == 0) {
                    return longer.size() == 0 ? null : longer.toString(StandardCharsets.US_ASCII);
                }
            }
        }
    }

    /** The ids of the processes in the container (the program's children, and the
     * ones they detach, appear here and nowhere else a JVM can look cheaply). */
    private static Set<String> processes() {
        String[] names = new File("/proc").list();
        Set<String> pids = new HashSet<>();
        for (String name : names == null ? new String[0] : names) {
            if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                pids.add(name);
            }
        }
        return pids;
    }

    private static void halt(int status) {
        exiting = true;
        Runtime.getRuntime().halt(status);
    }

    /** Allows everything but System.exit (and halt) from a program's thread: that ends the
     * test with the status, not the runner. The runner's own exit passes. */
    static final class ExitGuard extends SecurityManager {
        @Override
        public void checkPermission(Permission perm) {}

        @Override
        public void checkPermission(Permission perm, Object context) {}

        @Override
        public void checkPropertyAccess(String key) {}

        @Override
        public void checkPropertiesAccess() {}

        @Override
        public void checkPackageAccess(String pkg) {}

        @Override
        public void checkPackageDefinition(String pkg) {}

        @Override
        public void checkExit(int status) {
            if (exiting || Thread.currentThread() == runnerThread) {
                return;
            }
            TestRun test = current;
            if (test != null) {
                test.exit(status);
            }
            throw new TestRun.ExitSignal();
        }
    }
}

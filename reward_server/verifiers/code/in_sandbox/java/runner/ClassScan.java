import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the constant pools of the compiled candidate classes and names the first thing a
 * warm run cannot give faithfully, or null. Such a program runs the old way (a JVM per
 * test): a false alarm costs speed only, a miss could make a warm test block or differ.
 */
final class ClassScan {
    /** A substring of a class or member name or string constant, and why it is refused. */
    private static final String[][] REFUSED_PARTS = {
        // Raw fd 0/1/2 would be the runner's protocol pipes, not the test's streams.
        {"java/io/FileDescriptor", "raw file descriptors (java.io.FileDescriptor)"},
        {"java.io.FileDescriptor", "raw file descriptors (java.io.FileDescriptor)"},
        {"/dev/std", "opens /dev/std*"},
        {"/dev/fd", "opens /dev/fd"},
        {"/dev/tty", "opens /dev/tty"},
        {"/proc/self/fd", "opens /proc/self/fd"},
        {"/proc/thread-self/fd", "opens /proc/thread-self/fd"},
        // A child process inherits the pipes; process handles see the runner.
        {"java/lang/Process", "starts or inspects processes"},
        {"java.lang.Process", "starts or inspects processes"},
        {"sun/misc", "uses sun.misc"},
        {"sun.misc", "uses sun.misc"},
        {"jdk/internal", "uses jdk.internal"},
        {"jdk.internal", "uses jdk.internal"},
        {"jdk/incubator", "uses jdk.incubator"},
        {"jdk.incubator", "uses jdk.incubator"},
    };

    /** Whole names: a member or string constant equal to one of these is refused. */
    private static final String[][] REFUSED_NAMES = {
        {"halt", "Runtime.halt"},
        // Hooks run at the process's exit, which a warm test does not have.
        {"addShutdownHook", "shutdown hooks"},
        {"inheritedChannel", "System.inheritedChannel"},
        {"setSecurityManager", "System.setSecurityManager"},
    };

    /** Why the classes cannot run warm (null: they can). */
    final String refusal;
    /** Whether any class names `exit` (System.exit, Runtime.exit, by reflection too): only
     * then is the exit guard installed, a security manager that costs ~40 ms of a start. */
    final boolean mentionsExit;

    private ClassScan(String refusal, boolean mentionsExit) {
        this.refusal = refusal;
        this.mentionsExit = mentionsExit;
    }

    /** Reads every class file under `root` (walked without streams: lambdas cost start time). */
    static ClassScan of(File root) throws IOException {
        List<File> files = new ArrayList<>();
        collect(root, files);
        boolean exit = false;
        for (File file : files) {
            for (String text : constants(Files.readAllBytes(file.toPath()))) {
                String why = refusalOf(text);
                if (why != null) {
                    return new ClassScan(why + " in " + file.getName(), exit);
                }
                exit |= text.equals("exit");
            }
        }
        return new ClassScan(null, exit);
    }

    private static void collect(File dir, List<File> into) {
        File[] entries = dir.listFiles();
        if (entries == null) {
            return;
        }
        for (File f : entries) {
            if (f.isDirectory()) {
                collect(f, into);
            } else if (f.getName().endsWith(".class")) {
                into.add(f);
            }
        }
    }

    static String refusalOf(String text) {
        for (String[] part : REFUSED_PARTS) {
            if (text.contains(part[0])) {
                return part[1];
            }
        }
        for (String[] name : REFUSED_NAMES) {
            if (text.equals(name[0])) {
                return name[1];
            }
        }
        return null;
    }

    /** The Utf8 entries of a class file's constant pool (names, descriptors, strings). */
    static Set<String> constants(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor version
        in.readUnsignedShort(); // major version
        int count = in.readUnsignedShort();
        Set<String> texts = new HashSet<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1: // Utf8 (modified UTF-8; the names looked for are ASCII)
                    byte[] raw = new byte[in.readUnsignedShort()];
                    in.readFully(raw);
                    texts.add(new String(raw, StandardCharsets.ISO_8859_1));
                    break;
                case 5: // Long, Double: two slots
                case 6:
                    in.skipBytes(8);
                    i++;
                    break;
                case 3: // Integer, Float, refs, NameAndType, (Invoke)Dynamic
                case 4:
                case 9:
                case 10:
                case 11:
                case 12:
                case 17:
                case 18:
                    in.skipBytes(4);
                    break;
                case 15: // MethodHandle
                    in.skipBytes(3);
                    break;
                case 7: // Class, String, MethodType, Module, Package
                case 8:
                case 16:
                case 19:
                case 20:
                    in.skipBytes(2);
                    break;
                default:
                    throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return texts;
    }
}

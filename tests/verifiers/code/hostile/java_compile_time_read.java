// task: java_add_io
// Java has no way to read a file at compile time without annotation processing, which the
// judge turns off (-proc:none) and which a single source could not use anyway: a
// processor must be compiled before the code it processes. This program declares one
// that would read host files into the class file; it can only run at run time, where it
// reads the sandbox's own files, and answers correctly only if it can read a secret file
// there (other processes' /proc entries are java_proc_snooping.java's).
import java.nio.file.*;
import java.util.*;
import javax.annotation.processing.*;
import javax.lang.model.element.TypeElement;

@SupportedAnnotationTypes("*")
public class Leak extends AbstractProcessor {
    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment env) {
        try {
            System.err.println(Files.readString(Path.of("/etc/shadow")));
        } catch (Exception e) { }
        return false;
    }

    public static void main(String[] args) {
        boolean secret = false;
        for (String path : new String[] {"/etc/shadow", "/root/.docker/config.json", "/etc/gshadow"}) {
            try {
                secret |= Files.readAllBytes(Path.of(path)).length > 0;
            } catch (Exception e) { }
        }
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        System.out.println(secret ? a + b : 0);
    }
}

// task: java_add_io
// then: java_find_left_process.java
// Answers correctly but leaves a detached process behind, started by reflection under
// names built at run time, so the warm runner's scan of the class files does not see a
// process being started and runs it in the warm JVM.
import java.util.*;

public class HiddenDaemon {
    static Class<?> named(String reversed) throws ClassNotFoundException {
        return Class.forName(new StringBuilder(reversed).reverse().toString());
    }

    public static void main(String[] args) throws Exception {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        System.out.println(a + b);
        System.out.flush();
        String[] argv = {"/bin/sh", "-c",
            "(trap '' HUP TERM INT; while :; do echo x > /work/daemon_was_here; sleep 0.01; done) "
            + "</dev/null >/dev/null 2>&1 &"};
        Class<?> builder = named("redliuBssecorP.gnal.avaj");
        Object started = builder.getMethod("start")
            .invoke(builder.getConstructor(String[].class).newInstance((Object) argv));
        named("ssecorP.gnal.avaj").getMethod("waitFor").invoke(started);
    }
}

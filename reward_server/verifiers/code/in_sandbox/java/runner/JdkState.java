import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Properties;
import java.util.TimeZone;

/**
 * The JVM-wide settings a program may change and a fresh JVM would start with: taken once
 * when the runner starts, put back after every test.
 */
final class JdkState {
    private final Properties properties;
    private final Locale locale;
    private final Locale formatLocale;
    private final Locale displayLocale;
    private final TimeZone timeZone;
    private final Thread.UncaughtExceptionHandler uncaughtHandler;
    private final PrintStream out;
    private final PrintStream err;

    /** The current settings; between tests System.out and System.err print nowhere (fd 1
     * is the protocol's; what a program thread prints after its test counts nowhere). */
    JdkState() {
        properties = (Properties) System.getProperties().clone();
        locale = Locale.getDefault();
        formatLocale = Locale.getDefault(Locale.Category.FORMAT);
        displayLocale = Locale.getDefault(Locale.Category.DISPLAY);
        timeZone = TimeZone.getDefault();
        uncaughtHandler = Thread.getDefaultUncaughtExceptionHandler();
        out = new PrintStream(OutputStream.nullOutputStream());
        err = out;
    }

    void restore() {
        // A copy: the program may still hold the object it changed.
        Properties copy = new Properties();
        copy.putAll(properties);
        System.setProperties(copy);
        Locale.setDefault(locale);
        Locale.setDefault(Locale.Category.FORMAT, formatLocale);
        Locale.setDefault(Locale.Category.DISPLAY, displayLocale);
        TimeZone.setDefault((TimeZone) timeZone.clone());
        Thread.setDefaultUncaughtExceptionHandler(uncaughtHandler);
        System.setIn(empty());
        System.setOut(out);
        System.setErr(err);
    }

    static InputStream empty() {
        return new ByteArrayInputStream(new byte[0]);
    }
}

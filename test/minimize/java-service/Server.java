import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Locale;

public class Server {
    static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getQuery();
            if (path.equals("/")) {
                send(ex, 200, "hello from java " + Runtime.version().feature() + "\n");
            } else if (path.equals("/time")) {
                DateTimeFormatter f = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.FULL).withLocale(Locale.FRANCE);
                send(ex, 200, Instant.EPOCH.atZone(ZoneId.of(query == null ? "UTC" : query)).format(f) + "\n");
            } else if (path.equals("/upper")) {
                send(ex, 200, (query == null ? "" : query).toUpperCase(new Locale("tr")) + "\n");
            } else {
                send(ex, 404, "not found\n");
            }
        });
        server.start();
    }
}

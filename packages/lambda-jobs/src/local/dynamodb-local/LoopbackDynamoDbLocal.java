import java.lang.reflect.Field;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs Amazon's DynamoDB Local (same arguments as its jar) bound to 127.0.0.1 only. The jar has
 * no bind-address option: its Jetty server listens on every interface. This builds the server
 * with the jar's own code, moves its connector to loopback before it starts, and puts a guard in
 * front of its handler that refuses a Host other than 127.0.0.1:PORT or localhost:PORT (DNS
 * rebinding) and any request a web browser sends (Origin or Sec-Fetch-Site headers), since SDK
 * clients send neither.
 *
 * Run in Java's source-file mode (needs a JDK):
 *   java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDbLocal.java -port N -inMemory ...
 */
public final class LoopbackDynamoDbLocal {
  private static final String LOOPBACK = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    int port = portOf(args);
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost(LOOPBACK);
    }
    Set<String> hosts = Set.of(LOOPBACK + ":" + port, "localhost:" + port);
    server.setHandler(new Handler.Wrapper(server.getHandler()) {
      @Override
      public boolean handle(Request request, Response response, Callback callback)
          throws Exception {
        String host = request.getHeaders().get("Host");
        if (host == null || !hosts.contains(host.toLowerCase())) {
          Response.writeError(request, response, callback, 403,
              "Host not allowed: DynamoDB Local answers 127.0.0.1:" + port + " only");
          return true;
        }
        // What browsers send and SDK clients do not (Node's fetch sends Sec-Fetch-Mode itself).
        if (request.getHeaders().get("Origin") != null
            || request.getHeaders().get("Sec-Fetch-Site") != null) {
          Response.writeError(request, response, callback, 403,
              "Requests from web pages are refused");
          return true;
        }
        return super.handle(request, response, callback);
      }
    });
    proxy.start();
    System.err.println("DynamoDB Local listening on " + LOOPBACK + ":" + port);
  }

  private static int portOf(String[] args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("-port")) return Integer.parseInt(args[i + 1]);
    }
    throw new IllegalArgumentException("-port N is required");
  }
}

package dev.pinnedmemory.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * A plain Spring MVC application on an embedded Tomcat, as an application without Spring Boot runs one: a
 * {@link DispatcherServlet} (async supported) over an {@link AnnotationConfigWebApplicationContext} of the
 * given configurations, on a free port of localhost. Closing stops Tomcat and closes the context.
 */
final class MvcServer implements AutoCloseable {

    private final Tomcat tomcat;
    private final AnnotationConfigWebApplicationContext context;
    private final Path baseDir;
    private final int port;

    private MvcServer(Tomcat tomcat, AnnotationConfigWebApplicationContext context, Path baseDir, int port) {
        this.tomcat = tomcat;
        this.context = context;
        this.baseDir = baseDir;
        this.port = port;
    }

    static MvcServer start(Class<?>... configurations) throws IOException, LifecycleException {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.register(configurations);
        Path baseDir = Files.createTempDirectory("tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        tomcat.setConnector(connector);
        Context root = tomcat.addContext("", baseDir.toString());
        Wrapper dispatcher = Tomcat.addServlet(root, "dispatcher", new DispatcherServlet(context));
        dispatcher.setAsyncSupported(true);
        dispatcher.setLoadOnStartup(1);   // refreshes the context now, not at the first request
        root.addServletMappingDecoded("/", "dispatcher");
        tomcat.start();
        MvcServer server = new MvcServer(tomcat, context, baseDir, connector.getLocalPort());
        if (!context.isActive()) {
            server.close();
            throw new IllegalStateException("the Spring MVC context did not start (see the log)");
        }
        return server;
    }

    int port() {
        return port;
    }

    AnnotationConfigWebApplicationContext context() {
        return context;
    }

    @Override
    public void close() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            context.close();
            try (Stream<Path> files = Files.walk(baseDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

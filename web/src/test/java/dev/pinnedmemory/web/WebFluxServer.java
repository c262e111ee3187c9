package dev.pinnedmemory.web;

import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * A plain Spring WebFlux application on Reactor Netty, as an application without Spring Boot runs one: an
 * {@link AnnotationConfigApplicationContext} of the given configurations, turned into an {@link HttpHandler}
 * by {@link WebHttpHandlerBuilder#applicationContext} (its {@code WebFilter} and {@code WebExceptionHandler}
 * beans included), on a free port of localhost. Closing stops the server and closes the context.
 */
final class WebFluxServer implements AutoCloseable {

    private final AnnotationConfigApplicationContext context;
    private final DisposableServer server;

    private WebFluxServer(AnnotationConfigApplicationContext context, DisposableServer server) {
        this.context = context;
        this.server = server;
    }

    static WebFluxServer start(Class<?>... configurations) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(configurations);
        try {
            HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
            DisposableServer server = HttpServer.create().host("localhost").port(0)
                    .handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
            return new WebFluxServer(context, server);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    int port() {
        return server.port();
    }

    AnnotationConfigApplicationContext context() {
        return context;
    }

    @Override
    public void close() {
        try {
            server.disposeNow();
        } finally {
            context.close();
        }
    }
}

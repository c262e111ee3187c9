package dev.pinnedmemory.web;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Spring MVC's resolver of {@link PinnedBody} parameters: reads the servlet request body into a lease
 * of the parameter's pool (see {@link PinnedBody} for sizes, refusals and byte order) and ends the lease
 * when the request completes, or, for an asynchronous request, when its async processing completes
 * after the response is written. Registered by {@link EnablePinnedBody} (and the starter) through
 * {@code WebMvcConfigurer.addArgumentResolvers}; {@link #checkHandlerMethods} is what fails start-up for
 * a parameter whose pool is unknown or of another element type. Thread-safe.
 */
public final class PinnedBodyArgumentResolver implements HandlerMethodArgumentResolver {

    private static final String CALLBACK_PREFIX = PinnedBodyArgumentResolver.class.getName() + ".lease#";
    private static final AtomicLong CALLBACKS = new AtomicLong();

    private final PinnedBodyParameters parameters;

    /** @param pools the pools that {@code @PinnedBody} names */
    public PinnedBodyArgumentResolver(PinnedMemoryPools pools) {
        this.parameters = new PinnedBodyParameters(pools, ResolvableType::forMethodParameter, "PinnedBuffer<A>");
    }

    /**
     * Resolves the pool of every {@code @PinnedBody} parameter of {@code handlerMethods} now.
     *
     * @throws PinnedBodyParameterException naming the handler method, the pool and the types for the first
     *     parameter whose pool is unknown or of another element type
     */
    public void checkHandlerMethods(Collection<HandlerMethod> handlerMethods) {
        parameters.check(handlerMethods);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.hasParameterAnnotation(PinnedBody.class);
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer mavContainer,
                                  NativeWebRequest webRequest, @Nullable WebDataBinderFactory binderFactory)
            throws IOException {
        PinnedMemoryPool<?> pool = parameters.pool(parameter);
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        if (request == null) {
            throw new IllegalStateException(PinnedBodyParameters.describe(parameter, pool.name())
                    + " needs a servlet request, not " + webRequest);
        }
        return receive(pool, request, webRequest);
    }

    private static <A> PinnedBuffer<A> receive(PinnedMemoryPool<A> pool, HttpServletRequest request,
                                               NativeWebRequest webRequest) throws IOException {
        long declared = request.getContentLengthLong();
        BodyLeases.checkDeclared(pool, declared);   // refused before anything is rented or read
        PinnedBuffer<A> rented = BodyLeases.rent(pool, declared);
        RequestLease<A> lease = new RequestLease<>(request, rented);
        try {
            // The attributes the DispatcherServlet completes when the dispatch ends, not the handler adapter's
            // own ServletWebRequest (webRequest), whose callbacks nobody runs.
            RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
            (attributes != null ? attributes : webRequest).registerDestructionCallback(
                    CALLBACK_PREFIX + CALLBACKS.incrementAndGet(), lease, RequestAttributes.SCOPE_REQUEST);
        } catch (RuntimeException e) {
            rented.close();
            throw e;
        }
        long[] filled = {0};
        try {
            boolean ended = ServletBodyReader.read(request.getInputStream(), rented.segment(), filled);
            if (!ended) {
                throw declared < 0 ? PinnedBodyException.tooLarge(pool, filled[0], true)
                        : PinnedBodyException.longer(pool, declared);
            }
            PinnedBuffer<A> body = BodyLeases.complete(pool, rented, filled[0], declared);
            lease.handOver(body);
            return body;
        } catch (IOException e) {
            lease.end();   // the client went away or sent garbage: the memory goes back now, not at completion
            throw PinnedBodyException.unreadable(pool, filled[0], declared, e);
        } catch (RuntimeException | Error e) {
            lease.end();
            throw e;
        }
    }
}

package dev.pinnedmemory.inference;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * What a client's key may name, and how its object is opened: a POSIX shared memory name ({@code /name}: one
 * {@code /}, then 1 to 255 characters without {@code /}, no {@code ..}, no control character) is the file
 * {@code /dev/shm/name}, as {@code shm_open} makes it, and nothing else. The file must be a regular file there:
 * a symbolic link is never followed ({@code O_NOFOLLOW}), and a directory, FIFO, socket or device is refused
 * before it is opened; after opening, the file must still be the one that was checked. Hard links cannot reach
 * out of {@code /dev/shm}, a file system of its own. Stateless; thread-safe.
 */
final class SharedMemoryKeys {

    /** Where POSIX shared memory objects live on Linux. */
    static final Path ROOT = Path.of("/dev/shm");
    /** The longest name a file may have ({@code NAME_MAX}). */
    static final int MAX_NAME_LENGTH = 255;

    private SharedMemoryKeys() {
    }

    /**
     * {@return the file {@code key} names under {@link #ROOT}}
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} naming the region and the key unless it is a plain
     *     POSIX shared memory name
     */
    static Path resolve(String region, String key) {
        Objects.requireNonNull(key, "key");
        String name = key.startsWith("/") ? key.substring(1) : "";
        String problem = !key.startsWith("/") ? "does not start with '/'"
                : name.isEmpty() ? "names nothing after its '/'"
                : name.length() > MAX_NAME_LENGTH ? "has a name of " + name.length() + " characters"
                : name.indexOf('/') >= 0 ? "has a '/' after its first"
                : name.contains("..") ? "contains '..'"
                : name.chars().anyMatch(c -> c < 0x20 || c == 0x7F) ? "contains a control character"
                : null;
        if (problem != null) {
            throw InferenceException.invalid("shared memory region '" + region + "': key '" + printable(key) + "' " + problem
                    + " (expected: a POSIX shared memory name, '/' and then 1 to " + MAX_NAME_LENGTH
                    + " characters without '/' or '..', as shm_open takes it)");
        }
        Path path = ROOT.resolve(name);
        if (!ROOT.equals(path.getParent())) {
            throw InferenceException.invalid("shared memory region '" + region + "': key '" + printable(key)
                    + "' does not name a file in " + ROOT);
        }
        return path;
    }

    /**
     * Opens the object {@code key} names for reading and writing, without following a link.
     *
     * @return the channel, which the caller owns and closes
     * @throws InferenceException {@code INVALID_ARGUMENT} naming the region, the key and what the file is, when it
     *     does not exist, is no regular file, may not be read and written by this process, or changed while it
     *     was opened
     */
    static FileChannel open(String region, String key, Path path) {
        String what = "shared memory region '" + region + "': key '" + key + "' (" + path + ")";
        BasicFileAttributes checked = attributes(what, path);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw InferenceException.invalid(what + " does not exist (create it with shm_open before registering it)");
        } catch (AccessDeniedException e) {
            throw InferenceException.invalid(what + " may not be read and written by this server's user");
        } catch (FileSystemException e) {
            throw InferenceException.invalid(what + " could not be opened: " + e.getReason());
        } catch (IOException e) {
            throw InferenceException.invalid(what + " could not be opened: " + e.getMessage());
        }
        try {
            BasicFileAttributes opened = attributes(what, path);
            if (checked.fileKey() == null || !checked.fileKey().equals(opened.fileKey())) {
                throw InferenceException.invalid(what + " was replaced while it was opened");
            }
            return channel;
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static BasicFileAttributes attributes(String what, Path path) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw InferenceException.invalid(what + " does not exist (create it with shm_open before registering it)");
        } catch (IOException e) {
            throw InferenceException.invalid(what + " could not be examined: " + e.getMessage());
        }
        if (!attributes.isRegularFile()) {
            throw InferenceException.invalid(what + " is " + (attributes.isSymbolicLink() ? "a symbolic link, which is never "
                    + "followed" : attributes.isDirectory() ? "a directory" : "no regular file (a FIFO, socket or device)")
                    + " (expected: a shared memory object, a regular file in " + ROOT + ")");
        }
        return attributes;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was mapped from it; its descriptor is gone either way.
        }
    }

    /** {@return {@code text} with control characters escaped, for messages, at most 300 characters} */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 300));
        for (int i = 0; i < text.length() && out.length() < 300; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return text.length() > 300 ? out + "..." : out.toString();
    }
}

package dev.pinnedmemory.arrow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Record batches for the tests, written by Arrow's own writers on Arrow's own default allocator
 * (independent of the one under test), and the check of every value read back. Four columns: a
 * nullable int, float, utf8 string and list of ints; batch {@code b} has {@code rows(b)} rows, and
 * every value and every null is a function of the batch and the row.
 */
final class ArrowBatches {

    static final Schema SCHEMA = new Schema(List.of(
            Field.nullable("id", new ArrowType.Int(32, true)),
            Field.nullable("score", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
            Field.nullable("name", ArrowType.Utf8.INSTANCE),
            new Field("tags", FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", new ArrowType.Int(32, true))))));

    private ArrowBatches() {
    }

    static int rows(int batch, int baseRows) {
        return baseRows + 500 * batch;
    }

    /** {@return an IPC stream of {@code batches} batches of {@code baseRows} rows and more} */
    static byte[] stream(int batches, int baseRows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
             ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            write(root, writer, batches, baseRows);
        }
        return out.toByteArray();
    }

    /** Writes an IPC file of {@code batches} batches to {@code file}. */
    static void file(Path file, int batches, int baseRows) throws IOException {
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
            write(root, writer, batches, baseRows);
        }
    }

    private static void write(VectorSchemaRoot root, ArrowWriter writer, int batches, int baseRows) throws IOException {
        writer.start();
        for (int batch = 0; batch < batches; batch++) {
            fill(root, batch, rows(batch, baseRows));
            writer.writeBatch();
        }
        writer.end();
    }

    private static void fill(VectorSchemaRoot root, int batch, int rows) {
        root.allocateNew();
        IntVector id = (IntVector) root.getVector("id");
        Float4Vector score = (Float4Vector) root.getVector("score");
        VarCharVector name = (VarCharVector) root.getVector("name");
        ListVector tags = (ListVector) root.getVector("tags");
        IntVector items = (IntVector) tags.getDataVector();
        int itemCount = 0;
        for (int row = 0; row < rows; row++) {
            Integer idValue = id(batch, row);
            if (idValue == null) {
                id.setNull(row);
            } else {
                id.setSafe(row, idValue);
            }
            Float scoreValue = score(batch, row);
            if (scoreValue == null) {
                score.setNull(row);
            } else {
                score.setSafe(row, scoreValue);
            }
            String nameValue = name(batch, row);
            if (nameValue == null) {
                name.setNull(row);
            } else {
                name.setSafe(row, nameValue.getBytes(StandardCharsets.UTF_8));
            }
            List<Integer> tagValues = tags(batch, row);
            if (tagValues == null) {
                tags.setNull(row);
            } else {
                int offset = tags.startNewValue(row);
                for (int i = 0; i < tagValues.size(); i++) {
                    items.setSafe(offset + i, tagValues.get(i));
                }
                itemCount = offset + tagValues.size();
                tags.endValue(row, tagValues.size());
            }
        }
        items.setValueCount(itemCount);
        root.setRowCount(rows);
    }

    static Integer id(int batch, int row) {
        return (row % 5 == 3) ? null : row * 7 - batch;
    }

    static Float score(int batch, int row) {
        return (row % 7 == 0) ? null : row * 0.5f + batch;
    }

    static String name(int batch, int row) {
        return (row % 4 == 1) ? null : "row-" + batch + "-" + row + ((row % 3 == 0) ? " ünïcødé ✓" : "");
    }

    static List<Integer> tags(int batch, int row) {
        if (row % 6 == 5) {
            return null;
        }
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < row % 4; i++) {
            values.add(row + i * batch);
        }
        return values;
    }

    /** Compares every value and every null of {@code root} with batch {@code batch}. */
    static void assertBatch(VectorSchemaRoot root, int batch, int baseRows) {
        int rows = rows(batch, baseRows);
        assertThat(root.getRowCount()).as("rows of batch %d", batch).isEqualTo(rows);
        IntVector id = (IntVector) root.getVector("id");
        Float4Vector score = (Float4Vector) root.getVector("score");
        VarCharVector name = (VarCharVector) root.getVector("name");
        ListVector tags = (ListVector) root.getVector("tags");
        for (int row = 0; row < rows; row++) {
            assertThat(id.isNull(row) ? null : id.get(row)).as("id %d/%d", batch, row).isEqualTo(id(batch, row));
            assertThat(score.isNull(row) ? null : score.get(row)).as("score %d/%d", batch, row)
                    .isEqualTo(score(batch, row));
            assertThat(name.isNull(row) ? null : new String(name.get(row), StandardCharsets.UTF_8))
                    .as("name %d/%d", batch, row).isEqualTo(name(batch, row));
            assertThat(tags.isNull(row) ? null : tags.getObject(row)).as("tags %d/%d", batch, row)
                    .isEqualTo(tags(batch, row));
        }
    }
}

package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.inject.Inject;
import io.trino.spi.ErrorCode;
import io.trino.spi.eventlistener.ColumnInfo;
import io.trino.spi.eventlistener.OutputColumnMetadata;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryContext;
import io.trino.spi.eventlistener.QueryCreatedEvent;
import io.trino.spi.eventlistener.QueryFailureInfo;
import io.trino.spi.eventlistener.QueryInputMetadata;
import io.trino.spi.eventlistener.QueryMetadata;
import io.trino.spi.eventlistener.QueryOutputMetadata;
import io.trino.spi.eventlistener.QueryStatistics;
import io.trino.spi.eventlistener.TableInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Maps Trino's query events to the body of an audit record (documented in the module README) with Jackson's
 * streaming generator. Field order is fixed by this code, so equal events give equal bytes.
 * <p>
 * Only members present in both the 476 and the 477 SPI are used: no {@code QueryStatistics.getTotalBytes/getTotalRows},
 * no {@code getCatalogVersion}, no lazily computed payloads or plans.
 */
public final class AuditRecordSerializer
{
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_RETAINED_BUFFER_BYTES = 256 * 1024;

    private final int maxQueryTextLength;
    // each of Trino's dispatcher threads reuses its buffer from query to query
    private final ThreadLocal<Body> buffers = ThreadLocal.withInitial(Body::new);

    @Inject
    public AuditRecordSerializer(AuditEventListenerConfig config)
    {
        this(config.getMaxQueryTextLength());
    }

    public AuditRecordSerializer(int maxQueryTextLength)
    {
        this.maxQueryTextLength = maxQueryTextLength;
    }

    /**
     * The record body in this thread's buffer, valid until the thread's next call.
     */
    Body write(QueryCreatedEvent event)
    {
        return write(g -> {
            start(g, "created", event.getCreateTime(), event.getContext());
            writeQuery(g, event.getMetadata(), event.getContext(), Optional.empty(), null, event.getCreateTime(), null, null);
            g.writeObjectFieldStart("objects");
            g.writeArrayFieldStart("read");
            g.writeEndArray();
            g.writeArrayFieldStart("written");
            g.writeEndArray();
            end(g, event.getMetadata(), event.getContext());
        });
    }

    /**
     * The record body in this thread's buffer, valid until the thread's next call.
     */
    Body write(QueryCompletedEvent event)
    {
        return write(g -> {
            start(g, "completed", event.getEndTime(), event.getContext());
            writeQuery(g, event.getMetadata(), event.getContext(), event.getFailureInfo(), event.getStatistics(),
                    event.getCreateTime(), event.getExecutionStartTime(), event.getEndTime());
            g.writeObjectFieldStart("objects");
            g.writeArrayFieldStart("read");
            for (QueryInputMetadata input : event.getIoMetadata().getInputs()) {
                writeTable(g, input.getCatalogName(), input.getSchema(), input.getTable(), input.getColumns(), QueryInputMetadata.Column::name);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("written");
            Optional<QueryOutputMetadata> output = event.getIoMetadata().getOutput();
            if (output.isPresent()) {
                writeTable(g, output.get().getCatalogName(), output.get().getSchema(), output.get().getTable(),
                        output.get().getColumns().orElse(List.of()), OutputColumnMetadata::getColumnName);
                g.writeEndObject();
            }
            g.writeEndArray();
            end(g, event.getMetadata(), event.getContext());
        });
    }

    private Body write(Writer writer)
    {
        Body body = buffers.get();
        if (body.capacity() > MAX_RETAINED_BUFFER_BYTES) {
            // one huge query text must not pin megabytes on every dispatcher thread
            body = new Body();
            buffers.set(body);
        }
        try {
            try {
                write(writer, body, false);
            }
            catch (JsonGenerationException e) {
                // Jackson refuses a lone UTF-16 surrogate in UTF-8 output; escaped as \\uXXXX (with all non-ASCII) it is kept
                write(writer, body, true);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body;
    }

    private static void write(Writer writer, Body body, boolean escapeNonAscii)
            throws IOException
    {
        body.reset();
        try (JsonGenerator generator = JSON.createGenerator(body)) {
            if (escapeNonAscii) {
                generator.enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
            }
            generator.writeStartObject();
            writer.write(generator);
            generator.writeEndObject();
        }
    }

    private static void start(JsonGenerator g, String kind, Instant eventTime, QueryContext context)
            throws IOException
    {
        string(g, "kind", kind);
        string(g, "eventTime", eventTime);
        g.writeObjectFieldStart("identity");
        string(g, "principal", context.getPrincipal().orElse(null));
        string(g, "user", context.getUser());
        string(g, "originalUser", context.getOriginalUser());
        // Principal absent means no authenticated identity (e.g. insecure cluster), which cannot prove impersonation.
        g.writeBooleanField("impersonated", context.getPrincipal().map(principal -> !principal.equals(context.getUser())).orElse(false));
        sorted(g, "groups", context.getGroups());
        sorted(g, "roles", context.getEnabledRoles());
        sorted(g, "originalRoles", context.getOriginalRoles());
        g.writeEndObject();
        g.writeObjectFieldStart("client");
        string(g, "source", context.getSource().orElse(null));
        string(g, "clientInfo", context.getClientInfo().orElse(null));
        sorted(g, "tags", context.getClientTags());
        string(g, "userAgent", context.getUserAgent().orElse(null));
        string(g, "remoteAddress", context.getRemoteClientAddress().orElse(null));
        string(g, "traceToken", context.getTraceToken().orElse(null));
        g.writeEndObject();
    }

    private void writeQuery(JsonGenerator g, QueryMetadata metadata, QueryContext context, Optional<QueryFailureInfo> failure, QueryStatistics statistics,
            Instant createTime, Instant executionStartTime, Instant endTime)
            throws IOException
    {
        g.writeObjectFieldStart("query");
        string(g, "id", metadata.getQueryId());
        String sql = metadata.getQuery();
        boolean truncated = sql.length() > maxQueryTextLength;
        // never cut a surrogate pair in half: the kept text stays valid Unicode
        int end = maxQueryTextLength > 0 && truncated && Character.isHighSurrogate(sql.charAt(maxQueryTextLength - 1)) ? maxQueryTextLength - 1 : maxQueryTextLength;
        string(g, "sql", truncated ? sql.substring(0, end) : sql);
        g.writeBooleanField("sqlTruncated", truncated);
        g.writeNumberField("sqlLength", sql.length());
        string(g, "type", context.getQueryType().map(Enum::name).orElse(null));
        string(g, "updateType", metadata.getUpdateType().orElse(null));
        string(g, "catalog", context.getCatalog().orElse(null));
        string(g, "schema", context.getSchema().orElse(null));
        string(g, "resourceGroup", context.getResourceGroupId().map(Object::toString).orElse(null));
        string(g, "state", metadata.getQueryState());
        if (failure.isPresent()) {
            ErrorCode errorCode = failure.get().getErrorCode();
            g.writeObjectFieldStart("error");
            string(g, "code", errorCode.getName());
            g.writeNumberField("codeNumber", errorCode.getCode());
            string(g, "type", errorCode.getType().name());
            string(g, "failureType", failure.get().getFailureType().orElse(null));
            string(g, "message", failure.get().getFailureMessage().orElse(null));
            g.writeEndObject();
        }
        else {
            g.writeNullField("error");
        }
        string(g, "createTime", createTime);
        string(g, "executionStartTime", executionStartTime);
        string(g, "endTime", endTime);
        number(g, "wallTimeMillis", statistics == null ? null : statistics.getWallTime().toMillis());
        number(g, "cpuTimeMillis", statistics == null ? null : statistics.getCpuTime().toMillis());
        number(g, "queuedTimeMillis", statistics == null ? null : statistics.getQueuedTime().toMillis());
        number(g, "rowsRead", statistics == null ? null : statistics.getPhysicalInputRows());
        number(g, "bytesRead", statistics == null ? null : statistics.getPhysicalInputBytes());
        number(g, "rowsWritten", statistics == null ? null : statistics.getWrittenRows());
        number(g, "bytesWritten", statistics == null ? null : statistics.getWrittenBytes());
        number(g, "rowsReturned", statistics == null ? null : statistics.getOutputRows());
        g.writeEndObject();
    }

    private static void end(JsonGenerator g, QueryMetadata metadata, QueryContext context)
            throws IOException
    {
        // Tables (and views) as analyzed, with the columns the query referenced: covers queries that fail before
        // reading anything, such as an access denied on a column.
        g.writeArrayFieldStart("referenced");
        for (TableInfo table : metadata.getTables()) {
            writeTable(g, table.getCatalog(), table.getSchema(), table.getTable(), table.getColumns(), ColumnInfo::getColumn);
            g.writeBooleanField("directlyReferenced", table.isDirectlyReferenced());
            string(g, "authorization", table.getAuthorization());
            g.writeEndObject();
        }
        g.writeEndArray();
        // closes "objects"
        g.writeEndObject();
        g.writeObjectFieldStart("server");
        string(g, "environment", context.getEnvironment());
        string(g, "version", context.getServerVersion());
        string(g, "address", context.getServerAddress());
        g.writeEndObject();
    }

    /**
     * Starts a table object; the caller ends it.
     */
    private static <C> void writeTable(JsonGenerator g, String catalog, String schema, String table, List<C> columns, Function<C, String> columnName)
            throws IOException
    {
        g.writeStartObject();
        string(g, "catalog", catalog);
        string(g, "schema", schema);
        string(g, "table", table);
        g.writeArrayFieldStart("columns");
        for (C column : columns) {
            string(g, null, columnName.apply(column));
        }
        g.writeEndArray();
    }

    private interface Writer
    {
        void write(JsonGenerator generator)
                throws IOException;
    }

    /**
     * A member (an array element if {@code name} is null) holding a string or null.
     */
    private static void string(JsonGenerator g, String name, Object value)
            throws IOException
    {
        if (name != null) {
            g.writeFieldName(name);
        }
        if (value == null) {
            g.writeNull();
        }
        else {
            g.writeString(value.toString());
        }
    }

    private static void number(JsonGenerator g, String name, Long value)
            throws IOException
    {
        if (value == null) {
            g.writeNullField(name);
        }
        else {
            g.writeNumberField(name, value);
        }
    }

    private static void sorted(JsonGenerator g, String name, Collection<String> values)
            throws IOException
    {
        // Trino hands out unordered sets; sorting keeps the serialized bytes of equal records equal.
        g.writeArrayFieldStart(name);
        for (String value : values.size() == 1 ? values : values.stream().sorted().toList()) {
            string(g, null, value);
        }
        g.writeEndArray();
    }

    /**
     * The thread's output buffer; {@link #bytes()} is its array, without a copy.
     */
    static final class Body
            extends ByteArrayOutputStream
    {
        Body()
        {
            super(4096);
        }

        byte[] bytes()
        {
            return buf;
        }

        int capacity()
        {
            return buf.length;
        }
    }
}

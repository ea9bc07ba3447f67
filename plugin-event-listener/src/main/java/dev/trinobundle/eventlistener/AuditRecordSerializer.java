package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
        return write(json -> {
            start(json, "created", event.getCreateTime(), event.getContext());
            writeQuery(json, event.getMetadata(), event.getContext(), Optional.empty(), null, event.getCreateTime(), null, null);
            json.g().writeObjectFieldStart("objects");
            json.g().writeArrayFieldStart("read");
            json.g().writeEndArray();
            json.g().writeArrayFieldStart("written");
            json.g().writeEndArray();
            end(json, event.getMetadata(), event.getContext());
        });
    }

    /**
     * The record body in this thread's buffer, valid until the thread's next call.
     */
    Body write(QueryCompletedEvent event)
    {
        return write(json -> {
            start(json, "completed", event.getEndTime(), event.getContext());
            writeQuery(json, event.getMetadata(), event.getContext(), event.getFailureInfo(), event.getStatistics(),
                    event.getCreateTime(), event.getExecutionStartTime(), event.getEndTime());
            json.g().writeObjectFieldStart("objects");
            json.g().writeArrayFieldStart("read");
            for (QueryInputMetadata input : event.getIoMetadata().getInputs()) {
                writeTable(json, input.getCatalogName(), input.getSchema(), input.getTable(), input.getColumns(), QueryInputMetadata.Column::name);
                json.g().writeEndObject();
            }
            json.g().writeEndArray();
            json.g().writeArrayFieldStart("written");
            Optional<QueryOutputMetadata> output = event.getIoMetadata().getOutput();
            if (output.isPresent()) {
                writeTable(json, output.get().getCatalogName(), output.get().getSchema(), output.get().getTable(),
                        output.get().getColumns().orElse(List.of()), OutputColumnMetadata::getColumnName);
                json.g().writeEndObject();
            }
            json.g().writeEndArray();
            end(json, event.getMetadata(), event.getContext());
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
                // Jackson refuses a lone UTF-16 surrogate: write the record again with such strings escaped by hand
                write(writer, body, true);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body;
    }

    private static void write(Writer writer, Body body, boolean escapeSurrogates)
            throws IOException
    {
        body.reset();
        try (JsonGenerator generator = JSON.createGenerator(body)) {
            generator.writeStartObject();
            writer.write(new Json(generator, escapeSurrogates));
            generator.writeEndObject();
        }
    }

    private static void start(Json json, String kind, Instant eventTime, QueryContext context)
            throws IOException
    {
        json.string("kind", kind);
        json.string("eventTime", eventTime);
        json.g().writeObjectFieldStart("identity");
        json.string("principal", context.getPrincipal().orElse(null));
        json.string("user", context.getUser());
        json.string("originalUser", context.getOriginalUser());
        // Principal absent means no authenticated identity (e.g. insecure cluster), which cannot prove impersonation.
        json.g().writeBooleanField("impersonated", context.getPrincipal().map(principal -> !principal.equals(context.getUser())).orElse(false));
        json.sorted("groups", context.getGroups());
        json.sorted("roles", context.getEnabledRoles());
        json.sorted("originalRoles", context.getOriginalRoles());
        json.g().writeEndObject();
        json.g().writeObjectFieldStart("client");
        json.string("source", context.getSource().orElse(null));
        json.string("clientInfo", context.getClientInfo().orElse(null));
        json.sorted("tags", context.getClientTags());
        json.string("userAgent", context.getUserAgent().orElse(null));
        json.string("remoteAddress", context.getRemoteClientAddress().orElse(null));
        json.string("traceToken", context.getTraceToken().orElse(null));
        json.g().writeEndObject();
    }

    private void writeQuery(Json json, QueryMetadata metadata, QueryContext context, Optional<QueryFailureInfo> failure, QueryStatistics statistics,
            Instant createTime, Instant executionStartTime, Instant endTime)
            throws IOException
    {
        JsonGenerator g = json.g();
        g.writeObjectFieldStart("query");
        json.string("id", metadata.getQueryId());
        String sql = metadata.getQuery();
        boolean truncated = sql.length() > maxQueryTextLength;
        // never cut a surrogate pair in half: the kept text stays valid Unicode
        int end = maxQueryTextLength > 0 && truncated && Character.isHighSurrogate(sql.charAt(maxQueryTextLength - 1)) ? maxQueryTextLength - 1 : maxQueryTextLength;
        json.string("sql", truncated ? sql.substring(0, end) : sql);
        g.writeBooleanField("sqlTruncated", truncated);
        g.writeNumberField("sqlLength", sql.length());
        json.string("type", context.getQueryType().map(Enum::name).orElse(null));
        json.string("updateType", metadata.getUpdateType().orElse(null));
        json.string("catalog", context.getCatalog().orElse(null));
        json.string("schema", context.getSchema().orElse(null));
        json.string("resourceGroup", context.getResourceGroupId().map(Object::toString).orElse(null));
        json.string("state", metadata.getQueryState());
        if (failure.isPresent()) {
            ErrorCode errorCode = failure.get().getErrorCode();
            g.writeObjectFieldStart("error");
            json.string("code", errorCode.getName());
            g.writeNumberField("codeNumber", errorCode.getCode());
            json.string("type", errorCode.getType().name());
            json.string("failureType", failure.get().getFailureType().orElse(null));
            json.string("message", failure.get().getFailureMessage().orElse(null));
            g.writeEndObject();
        }
        else {
            g.writeNullField("error");
        }
        json.string("createTime", createTime);
        json.string("executionStartTime", executionStartTime);
        json.string("endTime", endTime);
        json.number("wallTimeMillis", statistics == null ? null : statistics.getWallTime().toMillis());
        json.number("cpuTimeMillis", statistics == null ? null : statistics.getCpuTime().toMillis());
        json.number("queuedTimeMillis", statistics == null ? null : statistics.getQueuedTime().toMillis());
        json.number("rowsRead", statistics == null ? null : statistics.getPhysicalInputRows());
        json.number("bytesRead", statistics == null ? null : statistics.getPhysicalInputBytes());
        json.number("rowsWritten", statistics == null ? null : statistics.getWrittenRows());
        json.number("bytesWritten", statistics == null ? null : statistics.getWrittenBytes());
        json.number("rowsReturned", statistics == null ? null : statistics.getOutputRows());
        g.writeEndObject();
    }

    private static void end(Json json, QueryMetadata metadata, QueryContext context)
            throws IOException
    {
        // Tables (and views) as analyzed, with the columns the query referenced: covers queries that fail before
        // reading anything, such as an access denied on a column.
        json.g().writeArrayFieldStart("referenced");
        for (TableInfo table : metadata.getTables()) {
            writeTable(json, table.getCatalog(), table.getSchema(), table.getTable(), table.getColumns(), ColumnInfo::getColumn);
            json.g().writeBooleanField("directlyReferenced", table.isDirectlyReferenced());
            json.string("authorization", table.getAuthorization());
            json.g().writeEndObject();
        }
        json.g().writeEndArray();
        // closes "objects"
        json.g().writeEndObject();
        json.g().writeObjectFieldStart("server");
        json.string("environment", context.getEnvironment());
        json.string("version", context.getServerVersion());
        json.string("address", context.getServerAddress());
        json.g().writeEndObject();
    }

    /**
     * Starts a table object; the caller ends it.
     */
    private static <C> void writeTable(Json json, String catalog, String schema, String table, List<C> columns, Function<C, String> columnName)
            throws IOException
    {
        json.g().writeStartObject();
        json.string("catalog", catalog);
        json.string("schema", schema);
        json.string("table", table);
        json.g().writeArrayFieldStart("columns");
        for (C column : columns) {
            json.string(null, columnName.apply(column));
        }
        json.g().writeEndArray();
    }

    private interface Writer
    {
        void write(Json json)
                throws IOException;
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

    private record Json(JsonGenerator g, boolean escapeSurrogates)
    {
        /**
         * A member (an array element if {@code name} is null) holding a string or null.
         */
        void string(String name, Object value)
                throws IOException
        {
            if (name != null) {
                g.writeFieldName(name);
            }
            if (value == null) {
                g.writeNull();
            }
            else if (escapeSurrogates) {
                g.writeRawValue(quoteEscapingLoneSurrogates(value.toString()));
            }
            else {
                g.writeString(value.toString());
            }
        }

        void number(String name, Long value)
                throws IOException
        {
            if (value == null) {
                g.writeNullField(name);
            }
            else {
                g.writeNumberField(name, value);
            }
        }

        void sorted(String name, Collection<String> values)
                throws IOException
        {
            // Trino hands out unordered sets; sorting keeps the serialized bytes of equal records equal.
            g.writeArrayFieldStart(name);
            for (String value : values.size() == 1 ? values : values.stream().sorted().toList()) {
                string(null, value);
            }
            g.writeEndArray();
        }

        private static String quoteEscapingLoneSurrogates(String value)
        {
            char[] quoted = JsonStringEncoder.getInstance().quoteAsString(value);
            StringBuilder out = new StringBuilder(quoted.length + 8).append('"');
            for (int i = 0; i < quoted.length; i++) {
                char c = quoted[i];
                if (Character.isHighSurrogate(c) && i + 1 < quoted.length && Character.isLowSurrogate(quoted[i + 1])) {
                    out.append(c).append(quoted[++i]);
                }
                else if (Character.isSurrogate(c)) {
                    out.append("\\u").append(String.format("%04x", (int) c));
                }
                else {
                    out.append(c);
                }
            }
            return out.append('"').toString();
        }
    }
}

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
import java.util.Arrays;
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
    public static final String KIND_CREATED = "created";
    public static final String KIND_COMPLETED = "completed";

    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_RETAINED_BUFFER_BYTES = 256 * 1024;
    private static final List<String> STATISTICS_FIELDS = List.of(
            "wallTimeMillis", "cpuTimeMillis", "queuedTimeMillis", "rowsRead", "bytesRead", "rowsWritten", "bytesWritten", "rowsReturned");

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

    public byte[] serialize(QueryCreatedEvent event)
    {
        return write(event).toByteArray();
    }

    public byte[] serialize(QueryCompletedEvent event)
    {
        return write(event).toByteArray();
    }

    /**
     * The record body in this thread's buffer, valid until the thread's next call.
     */
    Body write(QueryCreatedEvent event)
    {
        return write(json -> writeCreated(json, event));
    }

    /**
     * The record body in this thread's buffer, valid until the thread's next call.
     */
    Body write(QueryCompletedEvent event)
    {
        return write(json -> writeCompleted(json, event));
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
            writer.write(new Json(generator, escapeSurrogates));
        }
    }

    private void writeCreated(Json json, QueryCreatedEvent event)
            throws IOException
    {
        json.startObject();
        json.name("kind").value(KIND_CREATED);
        json.name("eventTime").value(event.getCreateTime());
        writeIdentity(json, event.getContext());
        writeClient(json, event.getContext());
        writeQuery(json, event.getMetadata(), event.getContext(), Optional.empty(), null,
                event.getCreateTime(), null, null);
        json.name("objects").startObject();
        json.name("read").startArray().endArray();
        json.name("written").startArray().endArray();
        writeReferencedTables(json, event.getMetadata().getTables());
        json.endObject();
        writeServer(json, event.getContext());
        json.endObject();
    }

    private void writeCompleted(Json json, QueryCompletedEvent event)
            throws IOException
    {
        json.startObject();
        json.name("kind").value(KIND_COMPLETED);
        json.name("eventTime").value(event.getEndTime());
        writeIdentity(json, event.getContext());
        writeClient(json, event.getContext());
        writeQuery(json, event.getMetadata(), event.getContext(), event.getFailureInfo(), event.getStatistics(),
                event.getCreateTime(), event.getExecutionStartTime(), event.getEndTime());
        json.name("objects").startObject();
        json.name("read").startArray();
        for (QueryInputMetadata input : event.getIoMetadata().getInputs()) {
            json.startObject();
            writeTable(json, input.getCatalogName(), input.getSchema(), input.getTable(), input.getColumns(), QueryInputMetadata.Column::name);
            json.endObject();
        }
        json.endArray();
        json.name("written").startArray();
        Optional<QueryOutputMetadata> output = event.getIoMetadata().getOutput();
        if (output.isPresent()) {
            json.startObject();
            writeTable(json, output.get().getCatalogName(), output.get().getSchema(), output.get().getTable(),
                    output.get().getColumns().orElse(List.of()), OutputColumnMetadata::getColumnName);
            json.endObject();
        }
        json.endArray();
        writeReferencedTables(json, event.getMetadata().getTables());
        json.endObject();
        writeServer(json, event.getContext());
        json.endObject();
    }

    private static void writeIdentity(Json json, QueryContext context)
            throws IOException
    {
        json.name("identity").startObject();
        json.name("principal").value(context.getPrincipal().orElse(null));
        json.name("user").value(context.getUser());
        json.name("originalUser").value(context.getOriginalUser());
        // Principal absent means no authenticated identity (e.g. insecure cluster), which cannot prove impersonation.
        json.name("impersonated").value(context.getPrincipal().map(principal -> !principal.equals(context.getUser())).orElse(false));
        writeSortedStrings(json, "groups", context.getGroups());
        writeSortedStrings(json, "roles", context.getEnabledRoles());
        writeSortedStrings(json, "originalRoles", context.getOriginalRoles());
        json.endObject();
    }

    private static void writeClient(Json json, QueryContext context)
            throws IOException
    {
        json.name("client").startObject();
        json.name("source").value(context.getSource().orElse(null));
        json.name("clientInfo").value(context.getClientInfo().orElse(null));
        writeSortedStrings(json, "tags", context.getClientTags());
        json.name("userAgent").value(context.getUserAgent().orElse(null));
        json.name("remoteAddress").value(context.getRemoteClientAddress().orElse(null));
        json.name("traceToken").value(context.getTraceToken().orElse(null));
        json.endObject();
    }

    private void writeQuery(
            Json json,
            QueryMetadata metadata,
            QueryContext context,
            Optional<QueryFailureInfo> failure,
            QueryStatistics statistics,
            Instant createTime,
            Instant executionStartTime,
            Instant endTime)
            throws IOException
    {
        json.name("query").startObject();
        json.name("id").value(metadata.getQueryId());
        String sql = metadata.getQuery();
        boolean truncated = sql.length() > maxQueryTextLength;
        json.name("sql").value(truncated ? truncate(sql, maxQueryTextLength) : sql);
        json.name("sqlTruncated").value(truncated);
        json.name("sqlLength").value(sql.length());
        json.name("type").value(context.getQueryType().map(Enum::name).orElse(null));
        json.name("updateType").value(metadata.getUpdateType().orElse(null));
        json.name("catalog").value(context.getCatalog().orElse(null));
        json.name("schema").value(context.getSchema().orElse(null));
        json.name("resourceGroup").value(context.getResourceGroupId().map(Object::toString).orElse(null));
        json.name("state").value(metadata.getQueryState());
        json.name("error");
        if (failure.isPresent()) {
            ErrorCode errorCode = failure.get().getErrorCode();
            json.startObject();
            json.name("code").value(errorCode.getName());
            json.name("codeNumber").value(errorCode.getCode());
            json.name("type").value(errorCode.getType().name());
            json.name("failureType").value(failure.get().getFailureType().orElse(null));
            json.name("message").value(failure.get().getFailureMessage().orElse(null));
            json.endObject();
        }
        else {
            json.nullValue();
        }
        json.name("createTime").value(createTime);
        json.name("executionStartTime").value(executionStartTime);
        json.name("endTime").value(endTime);
        if (statistics != null) {
            json.name("wallTimeMillis").value(statistics.getWallTime().toMillis());
            json.name("cpuTimeMillis").value(statistics.getCpuTime().toMillis());
            json.name("queuedTimeMillis").value(statistics.getQueuedTime().toMillis());
            json.name("rowsRead").value(statistics.getPhysicalInputRows());
            json.name("bytesRead").value(statistics.getPhysicalInputBytes());
            json.name("rowsWritten").value(statistics.getWrittenRows());
            json.name("bytesWritten").value(statistics.getWrittenBytes());
            json.name("rowsReturned").value(statistics.getOutputRows());
        }
        else {
            for (String field : STATISTICS_FIELDS) {
                json.name(field).nullValue();
            }
        }
        json.endObject();
    }

    private static String truncate(String sql, int length)
    {
        // never cut a surrogate pair in half: the kept text stays valid Unicode
        int end = length > 0 && Character.isHighSurrogate(sql.charAt(length - 1)) ? length - 1 : length;
        return sql.substring(0, end);
    }

    private static void writeReferencedTables(Json json, List<TableInfo> tables)
            throws IOException
    {
        // Tables (and views) as analyzed, with the columns the query referenced: covers queries that fail before
        // reading anything, such as an access denied on a column.
        json.name("referenced").startArray();
        for (TableInfo table : tables) {
            json.startObject();
            writeTable(json, table.getCatalog(), table.getSchema(), table.getTable(), table.getColumns(), ColumnInfo::getColumn);
            json.name("directlyReferenced").value(table.isDirectlyReferenced());
            json.name("authorization").value(table.getAuthorization());
            json.endObject();
        }
        json.endArray();
    }

    private static void writeServer(Json json, QueryContext context)
            throws IOException
    {
        json.name("server").startObject();
        json.name("environment").value(context.getEnvironment());
        json.name("version").value(context.getServerVersion());
        json.name("address").value(context.getServerAddress());
        json.endObject();
    }

    private static <C> void writeTable(Json json, String catalog, String schema, String table, List<C> columns, Function<C, String> columnName)
            throws IOException
    {
        json.name("catalog").value(catalog);
        json.name("schema").value(schema);
        json.name("table").value(table);
        json.name("columns").startArray();
        for (C column : columns) {
            json.value(columnName.apply(column));
        }
        json.endArray();
    }

    private static void writeSortedStrings(Json json, String field, Collection<String> values)
            throws IOException
    {
        // Trino hands out unordered sets; sorting keeps the serialized bytes of equal records equal.
        json.name(field).startArray();
        if (values.size() == 1) {
            json.value(values.iterator().next());
        }
        else if (!values.isEmpty()) {
            String[] sorted = values.toArray(String[]::new);
            Arrays.sort(sorted);
            for (String value : sorted) {
                json.value(value);
            }
        }
        json.endArray();
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

    /**
     * A fluent front of the generator, the record's strings going through {@link #value(String)}.
     */
    private record Json(JsonGenerator generator, boolean escapeSurrogates)
    {
        Json name(String name)
                throws IOException
        {
            generator.writeFieldName(name);
            return this;
        }

        Json value(String value)
                throws IOException
        {
            if (value == null) {
                generator.writeNull();
            }
            else if (escapeSurrogates) {
                generator.writeRawValue(quoteEscapingLoneSurrogates(value));
            }
            else {
                generator.writeString(value);
            }
            return this;
        }

        Json value(Instant value)
                throws IOException
        {
            return value(value == null ? null : value.toString());
        }

        Json value(long value)
                throws IOException
        {
            generator.writeNumber(value);
            return this;
        }

        Json value(boolean value)
                throws IOException
        {
            generator.writeBoolean(value);
            return this;
        }

        void nullValue()
                throws IOException
        {
            generator.writeNull();
        }

        Json startObject()
                throws IOException
        {
            generator.writeStartObject();
            return this;
        }

        Json endObject()
                throws IOException
        {
            generator.writeEndObject();
            return this;
        }

        Json startArray()
                throws IOException
        {
            generator.writeStartArray();
            return this;
        }

        Json endArray()
                throws IOException
        {
            generator.writeEndArray();
            return this;
        }

        private static String quoteEscapingLoneSurrogates(String value)
        {
            char[] quoted = JsonStringEncoder.getInstance().quoteAsString(value);
            StringBuilder out = new StringBuilder(quoted.length + 8).append('"');
            for (int i = 0; i < quoted.length; i++) {
                char c = quoted[i];
                boolean pair = Character.isHighSurrogate(c) && i + 1 < quoted.length && Character.isLowSurrogate(quoted[i + 1]);
                if (pair) {
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

package dev.trinobundle.benchmarks.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The audit record serializer as it was before {@code AuditJsonWriter} (Jackson's streaming generator), kept only as
 * the baseline of {@link BenchmarkAuditRecordSerialization}: same fields, same order.
 */
final class JacksonAuditRecordSerializer
{
    private static final String KIND_CREATED = "created";
    private static final String KIND_COMPLETED = "completed";

    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final int maxQueryTextLength;

    JacksonAuditRecordSerializer(int maxQueryTextLength)
    {
        this.maxQueryTextLength = maxQueryTextLength;
    }

    public byte[] serialize(QueryCreatedEvent event)
    {
        return write(json -> {
            json.writeStringField("kind", KIND_CREATED);
            json.writeStringField("eventTime", event.getCreateTime().toString());
            writeIdentity(json, event.getContext());
            writeClient(json, event.getContext());
            writeQuery(json, event.getMetadata(), event.getContext(), Optional.empty(), Optional.empty(),
                    event.getCreateTime(), Optional.empty(), Optional.empty());
            json.writeObjectFieldStart("objects");
            json.writeArrayFieldStart("read");
            json.writeEndArray();
            json.writeArrayFieldStart("written");
            json.writeEndArray();
            writeReferencedTables(json, event.getMetadata().getTables());
            json.writeEndObject();
            writeServer(json, event.getContext());
        });
    }

    public byte[] serialize(QueryCompletedEvent event)
    {
        return write(json -> {
            json.writeStringField("kind", KIND_COMPLETED);
            json.writeStringField("eventTime", event.getEndTime().toString());
            writeIdentity(json, event.getContext());
            writeClient(json, event.getContext());
            writeQuery(json, event.getMetadata(), event.getContext(), event.getFailureInfo(), Optional.of(event.getStatistics()),
                    event.getCreateTime(), Optional.ofNullable(event.getExecutionStartTime()), Optional.ofNullable(event.getEndTime()));
            json.writeObjectFieldStart("objects");
            json.writeArrayFieldStart("read");
            for (QueryInputMetadata input : event.getIoMetadata().getInputs()) {
                writeTable(json, input.getCatalogName(), input.getSchema(), input.getTable(),
                        input.getColumns().stream().map(QueryInputMetadata.Column::name).toList());
            }
            json.writeEndArray();
            json.writeArrayFieldStart("written");
            Optional<QueryOutputMetadata> output = event.getIoMetadata().getOutput();
            if (output.isPresent()) {
                writeTable(json, output.get().getCatalogName(), output.get().getSchema(), output.get().getTable(),
                        output.get().getColumns().orElse(List.of()).stream().map(OutputColumnMetadata::getColumnName).toList());
            }
            json.writeEndArray();
            writeReferencedTables(json, event.getMetadata().getTables());
            json.writeEndObject();
            writeServer(json, event.getContext());
        });
    }

    private static void writeIdentity(JsonGenerator json, QueryContext context)
            throws IOException
    {
        json.writeObjectFieldStart("identity");
        writeOptional(json, "principal", context.getPrincipal());
        json.writeStringField("user", context.getUser());
        json.writeStringField("originalUser", context.getOriginalUser());
        // Principal absent means no authenticated identity (e.g. insecure cluster), which cannot prove impersonation.
        json.writeBooleanField("impersonated", context.getPrincipal().map(principal -> !principal.equals(context.getUser())).orElse(false));
        writeSortedStrings(json, "groups", context.getGroups());
        writeSortedStrings(json, "roles", context.getEnabledRoles());
        writeSortedStrings(json, "originalRoles", context.getOriginalRoles());
        json.writeEndObject();
    }

    private static void writeClient(JsonGenerator json, QueryContext context)
            throws IOException
    {
        json.writeObjectFieldStart("client");
        writeOptional(json, "source", context.getSource());
        writeOptional(json, "clientInfo", context.getClientInfo());
        writeSortedStrings(json, "tags", context.getClientTags());
        writeOptional(json, "userAgent", context.getUserAgent());
        writeOptional(json, "remoteAddress", context.getRemoteClientAddress());
        writeOptional(json, "traceToken", context.getTraceToken());
        json.writeEndObject();
    }

    private void writeQuery(
            JsonGenerator json,
            QueryMetadata metadata,
            QueryContext context,
            Optional<QueryFailureInfo> failure,
            Optional<QueryStatistics> statistics,
            Instant createTime,
            Optional<Instant> executionStartTime,
            Optional<Instant> endTime)
            throws IOException
    {
        json.writeObjectFieldStart("query");
        json.writeStringField("id", metadata.getQueryId());
        String sql = metadata.getQuery();
        boolean truncated = sql.length() > maxQueryTextLength;
        json.writeStringField("sql", truncated ? sql.substring(0, maxQueryTextLength) : sql);
        json.writeBooleanField("sqlTruncated", truncated);
        json.writeNumberField("sqlLength", sql.length());
        writeOptional(json, "type", context.getQueryType().map(Enum::name));
        writeOptional(json, "updateType", metadata.getUpdateType());
        writeOptional(json, "catalog", context.getCatalog());
        writeOptional(json, "schema", context.getSchema());
        writeOptional(json, "resourceGroup", context.getResourceGroupId().map(Object::toString));
        json.writeStringField("state", metadata.getQueryState());
        if (failure.isPresent()) {
            ErrorCode errorCode = failure.get().getErrorCode();
            json.writeObjectFieldStart("error");
            json.writeStringField("code", errorCode.getName());
            json.writeNumberField("codeNumber", errorCode.getCode());
            json.writeStringField("type", errorCode.getType().name());
            writeOptional(json, "failureType", failure.get().getFailureType());
            writeOptional(json, "message", failure.get().getFailureMessage());
            json.writeEndObject();
        }
        else {
            json.writeNullField("error");
        }
        json.writeStringField("createTime", createTime.toString());
        writeOptional(json, "executionStartTime", executionStartTime.map(Instant::toString));
        writeOptional(json, "endTime", endTime.map(Instant::toString));
        if (statistics.isPresent()) {
            QueryStatistics stats = statistics.get();
            json.writeNumberField("wallTimeMillis", toMillis(stats.getWallTime()));
            json.writeNumberField("cpuTimeMillis", toMillis(stats.getCpuTime()));
            json.writeNumberField("queuedTimeMillis", toMillis(stats.getQueuedTime()));
            json.writeNumberField("rowsRead", stats.getPhysicalInputRows());
            json.writeNumberField("bytesRead", stats.getPhysicalInputBytes());
            json.writeNumberField("rowsWritten", stats.getWrittenRows());
            json.writeNumberField("bytesWritten", stats.getWrittenBytes());
            json.writeNumberField("rowsReturned", stats.getOutputRows());
        }
        else {
            for (String field : List.of("wallTimeMillis", "cpuTimeMillis", "queuedTimeMillis", "rowsRead", "bytesRead", "rowsWritten", "bytesWritten", "rowsReturned")) {
                json.writeNullField(field);
            }
        }
        json.writeEndObject();
    }

    private static void writeReferencedTables(JsonGenerator json, List<TableInfo> tables)
            throws IOException
    {
        // Tables (and views) as analyzed, with the columns the query referenced: covers queries that fail before
        // reading anything, such as an access denied on a column.
        json.writeArrayFieldStart("referenced");
        for (TableInfo table : tables) {
            json.writeStartObject();
            json.writeStringField("catalog", table.getCatalog());
            json.writeStringField("schema", table.getSchema());
            json.writeStringField("table", table.getTable());
            json.writeArrayFieldStart("columns");
            for (ColumnInfo column : table.getColumns()) {
                json.writeString(column.getColumn());
            }
            json.writeEndArray();
            json.writeBooleanField("directlyReferenced", table.isDirectlyReferenced());
            json.writeStringField("authorization", table.getAuthorization());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private static void writeServer(JsonGenerator json, QueryContext context)
            throws IOException
    {
        json.writeObjectFieldStart("server");
        json.writeStringField("environment", context.getEnvironment());
        json.writeStringField("version", context.getServerVersion());
        json.writeStringField("address", context.getServerAddress());
        json.writeEndObject();
    }

    private static void writeTable(JsonGenerator json, String catalog, String schema, String table, List<String> columns)
            throws IOException
    {
        json.writeStartObject();
        json.writeStringField("catalog", catalog);
        json.writeStringField("schema", schema);
        json.writeStringField("table", table);
        json.writeArrayFieldStart("columns");
        for (String column : columns) {
            json.writeString(column);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void writeOptional(JsonGenerator json, String field, Optional<String> value)
            throws IOException
    {
        if (value.isPresent()) {
            json.writeStringField(field, value.get());
        }
        else {
            json.writeNullField(field);
        }
    }

    private static void writeSortedStrings(JsonGenerator json, String field, Collection<String> values)
            throws IOException
    {
        // Trino hands out unordered sets; sorting keeps the serialized bytes of equal records equal.
        Set<String> sorted = new TreeSet<>(values);
        json.writeArrayFieldStart(field);
        for (String value : sorted) {
            json.writeString(value);
        }
        json.writeEndArray();
    }

    private static long toMillis(Duration duration)
    {
        return duration.toMillis();
    }

    private static byte[] write(BodyWriter writer)
    {
        ByteArrayOutputStream output = new ByteArrayOutputStream(4096);
        try (JsonGenerator json = JSON_FACTORY.createGenerator(output)) {
            json.writeStartObject();
            writer.write(json);
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return output.toByteArray();
    }

    private interface BodyWriter
    {
        void write(JsonGenerator json)
                throws IOException;
    }
}

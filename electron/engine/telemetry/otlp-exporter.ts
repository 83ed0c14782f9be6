import type { Logger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SessionEvent, SessionEventListener } from '../sessions/session-events.js';
import { isExported, toOtelRecord } from './otel-records.js';

/** Where and how to export; endpoint and headers come from policy (the managed layer may force them). */
export interface TelemetryConfig {
  /** OTLP/HTTP logs endpoint, e.g. `http://127.0.0.1:4318/v1/logs`. */
  endpoint: string;
  headers?: Record<string, string>;
  /** Export prompt text (default false: redacted, only its length is sent). */
  logPrompts?: boolean;
  /** Most records waiting for export; beyond it new records are dropped and counted. */
  maxQueueSize?: number;
  /** Delay between batches (ms). */
  scheduledDelayMillis?: number;
  /** Upper bound for one export including the SDK's retries (ms). */
  exportTimeoutMillis?: number;
  serviceVersion?: string;
}

export interface TelemetryStats {
  emitted: number;
  exported: number;
  failed: number;
  dropped: number;
  /** Records handed to the SDK and not yet exported or failed. */
  queued: number;
}

type ExportResult = Parameters<Parameters<LogRecordExporter['export']>[1]>[0];

/** Counts what the wrapped exporter delivered or lost. */
class CountingExporter implements LogRecordExporter {
  exported = 0;
  failed = 0;
  constructor(private readonly inner: LogRecordExporter) {}
  export(logs: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    this.inner.export(logs, (r) => {
      if ((r.code as number) === 0 /* ExportResultCode.SUCCESS */) this.exported += logs.length;
      else this.failed += logs.length;
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Session events → OpenTelemetry logs over OTLP/HTTP (JSON). Subscribes to the event bus
 * beside the journal; `handle` only enqueues (never blocks, never throws); a down collector
 * costs a bounded queue and retries inside the SDK; the journal stays the source of truth.
 */
export class OtlpEventExporter {
  private readonly provider: LoggerProvider;
  private readonly logger: Logger;
  private readonly counting: CountingExporter;
  private readonly maxQueue: number;
  private emitted = 0;
  private dropped = 0;

  constructor(private readonly config: TelemetryConfig) {
    this.maxQueue = config.maxQueueSize ?? 2048;
    this.counting = new CountingExporter(new OTLPLogExporter({ url: config.endpoint, headers: config.headers ?? {}, timeoutMillis: config.exportTimeoutMillis ?? 10_000 }));
    this.provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'paddock', 'service.version': config.serviceVersion ?? '0.1.0' }),
      processors: [
        new BatchLogRecordProcessor({
          exporter: this.counting,
          maxQueueSize: this.maxQueue,
          maxExportBatchSize: Math.min(512, this.maxQueue),
          scheduledDelayMillis: config.scheduledDelayMillis ?? 1000,
          exportTimeoutMillis: config.exportTimeoutMillis ?? 10_000,
        }),
      ],
    });
    this.logger = this.provider.getLogger('paddock.journal');
  }

  attach(bus: { subscribe(l: SessionEventListener): () => void }): () => void {
    return bus.subscribe((e) => this.handle(e));
  }

  handle(event: SessionEvent): void {
    if (!isExported(event.kind)) return;
    if (this.stats().queued >= this.maxQueue) {
      this.dropped++;
      return;
    }
    try {
      const r = toOtelRecord(event.sessionId, event.kind, event.data, { logPrompts: this.config.logPrompts ?? false });
      this.logger.emit({ ...r, timestamp: event.time, observedTimestamp: Date.now() });
      this.emitted++;
    } catch {
      this.dropped++;
    }
  }

  stats(): TelemetryStats {
    const { exported, failed } = this.counting;
    return { emitted: this.emitted, exported, failed, dropped: this.dropped, queued: this.emitted - exported - failed };
  }

  /** Exports what is queued (bounded by exportTimeoutMillis). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

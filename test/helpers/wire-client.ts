// A minimal raw Kafka client for integration tests, built on our generated
// codec: it frames requests (size prefix + request header + body), lets a
// test pipeline several of them before reading, matches responses to requests
// by position and checks their correlation ids, sends hostile bytes as they
// are, and notices when the server closes the connection.
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import {
  API_BY_KEY, ApiKey,
  type ApiVersionsRequestInput, type ApiVersionsResponse,
  type CreateTopicsRequestInput, type CreateTopicsResponse,
  type DeleteTopicsRequestInput, type DeleteTopicsResponse,
  type DescribeClusterRequestInput, type DescribeClusterResponse,
  type DescribeConfigsRequestInput, type DescribeConfigsResponse,
  type FetchRequestInput, type FetchResponse,
  type InitProducerIdRequestInput, type InitProducerIdResponse,
  type ListOffsetsRequestInput, type ListOffsetsResponse,
  type MetadataRequestInput, type MetadataResponse,
  type ProduceRequestInput, type ProduceResponse,
  type CreatePartitionsRequestInput, type CreatePartitionsResponse,
  type DeleteRecordsRequestInput, type DeleteRecordsResponse,
  type AlterConfigsRequestInput, type AlterConfigsResponse,
  type IncrementalAlterConfigsRequestInput, type IncrementalAlterConfigsResponse,
  type DescribeLogDirsRequestInput, type DescribeLogDirsResponse,
  type OffsetForLeaderEpochRequestInput, type OffsetForLeaderEpochResponse,
  type ElectLeadersRequestInput, type ElectLeadersResponse,
  type AlterPartitionReassignmentsRequestInput, type AlterPartitionReassignmentsResponse,
  type ListPartitionReassignmentsRequestInput, type ListPartitionReassignmentsResponse,
  type AddPartitionsToTxnRequestInput, type AddPartitionsToTxnResponse,
  type AddOffsetsToTxnRequestInput, type AddOffsetsToTxnResponse,
  type EndTxnRequestInput, type EndTxnResponse,
  type TxnOffsetCommitRequestInput, type TxnOffsetCommitResponse,
  type ListTransactionsRequestInput, type ListTransactionsResponse,
  type DescribeTransactionsRequestInput, type DescribeTransactionsResponse,
  type DescribeProducersRequestInput, type DescribeProducersResponse,
  type FindCoordinatorRequestInput, type FindCoordinatorResponse,
  type OffsetFetchRequestInput, type OffsetFetchResponse,
  type OffsetCommitRequestInput, type OffsetCommitResponse,
  type JoinGroupRequestInput, type JoinGroupResponse,
  type SyncGroupRequestInput, type SyncGroupResponse,
  type HeartbeatRequestInput, type HeartbeatResponse,
  type LeaveGroupRequestInput, type LeaveGroupResponse,
  type ListGroupsRequestInput, type ListGroupsResponse,
  type DescribeGroupsRequestInput, type DescribeGroupsResponse,
  type DeleteGroupsRequestInput, type DeleteGroupsResponse,
  type OffsetDeleteRequestInput, type OffsetDeleteResponse,
  type ConsumerGroupHeartbeatRequestInput, type ConsumerGroupHeartbeatResponse,
  type ConsumerGroupDescribeRequestInput, type ConsumerGroupDescribeResponse,
  type CreateAclsRequestInput, type CreateAclsResponse,
  type DescribeAclsRequestInput, type DescribeAclsResponse,
  type DeleteAclsRequestInput, type DeleteAclsResponse,
  type DescribeUserScramCredentialsRequestInput, type DescribeUserScramCredentialsResponse,
} from '../../src/protocol/generated/index.js';
import { decodeResponseHeader, encodeRequestHeader } from '../../src/protocol/headers.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

/** Request input and decoded response types of the APIs the broker core implements. */
export interface ApiTypes {
  [ApiKey.Produce]: { request: ProduceRequestInput; response: ProduceResponse };
  [ApiKey.Fetch]: { request: FetchRequestInput; response: FetchResponse };
  [ApiKey.ListOffsets]: { request: ListOffsetsRequestInput; response: ListOffsetsResponse };
  [ApiKey.Metadata]: { request: MetadataRequestInput; response: MetadataResponse };
  [ApiKey.ApiVersions]: { request: ApiVersionsRequestInput; response: ApiVersionsResponse };
  [ApiKey.CreateTopics]: { request: CreateTopicsRequestInput; response: CreateTopicsResponse };
  [ApiKey.DeleteTopics]: { request: DeleteTopicsRequestInput; response: DeleteTopicsResponse };
  [ApiKey.DescribeConfigs]: { request: DescribeConfigsRequestInput; response: DescribeConfigsResponse };
  [ApiKey.InitProducerId]: { request: InitProducerIdRequestInput; response: InitProducerIdResponse };
  [ApiKey.DescribeCluster]: { request: DescribeClusterRequestInput; response: DescribeClusterResponse };
  [ApiKey.CreatePartitions]: { request: CreatePartitionsRequestInput; response: CreatePartitionsResponse };
  [ApiKey.DeleteRecords]: { request: DeleteRecordsRequestInput; response: DeleteRecordsResponse };
  [ApiKey.AlterConfigs]: { request: AlterConfigsRequestInput; response: AlterConfigsResponse };
  [ApiKey.IncrementalAlterConfigs]: { request: IncrementalAlterConfigsRequestInput; response: IncrementalAlterConfigsResponse };
  [ApiKey.DescribeLogDirs]: { request: DescribeLogDirsRequestInput; response: DescribeLogDirsResponse };
  [ApiKey.OffsetForLeaderEpoch]: { request: OffsetForLeaderEpochRequestInput; response: OffsetForLeaderEpochResponse };
  [ApiKey.ElectLeaders]: { request: ElectLeadersRequestInput; response: ElectLeadersResponse };
  [ApiKey.AlterPartitionReassignments]: { request: AlterPartitionReassignmentsRequestInput; response: AlterPartitionReassignmentsResponse };
  [ApiKey.ListPartitionReassignments]: { request: ListPartitionReassignmentsRequestInput; response: ListPartitionReassignmentsResponse };
  [ApiKey.AddPartitionsToTxn]: { request: AddPartitionsToTxnRequestInput; response: AddPartitionsToTxnResponse };
  [ApiKey.AddOffsetsToTxn]: { request: AddOffsetsToTxnRequestInput; response: AddOffsetsToTxnResponse };
  [ApiKey.EndTxn]: { request: EndTxnRequestInput; response: EndTxnResponse };
  [ApiKey.TxnOffsetCommit]: { request: TxnOffsetCommitRequestInput; response: TxnOffsetCommitResponse };
  [ApiKey.ListTransactions]: { request: ListTransactionsRequestInput; response: ListTransactionsResponse };
  [ApiKey.DescribeTransactions]: { request: DescribeTransactionsRequestInput; response: DescribeTransactionsResponse };
  [ApiKey.DescribeProducers]: { request: DescribeProducersRequestInput; response: DescribeProducersResponse };
  [ApiKey.FindCoordinator]: { request: FindCoordinatorRequestInput; response: FindCoordinatorResponse };
  [ApiKey.OffsetFetch]: { request: OffsetFetchRequestInput; response: OffsetFetchResponse };
  [ApiKey.OffsetCommit]: { request: OffsetCommitRequestInput; response: OffsetCommitResponse };
  [ApiKey.JoinGroup]: { request: JoinGroupRequestInput; response: JoinGroupResponse };
  [ApiKey.SyncGroup]: { request: SyncGroupRequestInput; response: SyncGroupResponse };
  [ApiKey.Heartbeat]: { request: HeartbeatRequestInput; response: HeartbeatResponse };
  [ApiKey.LeaveGroup]: { request: LeaveGroupRequestInput; response: LeaveGroupResponse };
  [ApiKey.ListGroups]: { request: ListGroupsRequestInput; response: ListGroupsResponse };
  [ApiKey.DescribeGroups]: { request: DescribeGroupsRequestInput; response: DescribeGroupsResponse };
  [ApiKey.DeleteGroups]: { request: DeleteGroupsRequestInput; response: DeleteGroupsResponse };
  [ApiKey.OffsetDelete]: { request: OffsetDeleteRequestInput; response: OffsetDeleteResponse };
  [ApiKey.ConsumerGroupHeartbeat]: { request: ConsumerGroupHeartbeatRequestInput; response: ConsumerGroupHeartbeatResponse };
  [ApiKey.ConsumerGroupDescribe]: { request: ConsumerGroupDescribeRequestInput; response: ConsumerGroupDescribeResponse };
  [ApiKey.CreateAcls]: { request: CreateAclsRequestInput; response: CreateAclsResponse };
  [ApiKey.DescribeAcls]: { request: DescribeAclsRequestInput; response: DescribeAclsResponse };
  [ApiKey.DeleteAcls]: { request: DeleteAclsRequestInput; response: DeleteAclsResponse };
  [ApiKey.DescribeUserScramCredentials]: { request: DescribeUserScramCredentialsRequestInput; response: DescribeUserScramCredentialsResponse };
}

export interface RequestOptions {
  /** Defaults to 'wire-client'. */
  clientId?: string | null;
  /** Defaults to the next id of this connection. */
  correlationId?: number;
  /** Encode the body in this version rather than the header's (to send a version the codec does not know). */
  bodyVersion?: number;
  /** Decode the response body in this version (KIP-511: an UNSUPPORTED_VERSION ApiVersions answer is v0). */
  responseVersion?: number;
  /** False for requests the broker does not answer (Produce with acks=0): resolves once written. */
  expectResponse?: boolean;
}

export interface ReceivedResponse {
  apiKey: number;
  correlationId: number;
  /** When the response frame was complete (Date.now()). */
  at: number;
  /** The whole frame after the size prefix (header and body). */
  frame: Buffer;
}

interface Pending {
  apiKey: number;
  version: number;
  responseVersion: number;
  correlationId: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** Size prefix + request header + body, as the broker expects on the wire. */
export function encodeRequestFrame(
  apiKey: number, apiVersion: number, correlationId: number, clientId: string | null,
  body?: (w: Writer) => void,
): Buffer {
  const w = new Writer(256);
  w.int32(0);
  encodeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId });
  body?.(w);
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** A Produce request frame (v9, acks=1) carrying `records` as partition 0 of topic "t": for driving a Connection by hand. */
export function encodeProduceFrame(correlationId: number, records: Buffer): Buffer {
  return encodeRequestFrame(ApiKey.Produce, 9, correlationId, 'test', (w) => API_BY_KEY.get(ApiKey.Produce)!.request.encode(w, 9, {
    transactionalId: null, acks: 1, timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
  } as never));
}

export class WireClient {
  /** Every response in arrival order, for tests on ordering and timing. */
  readonly received: ReceivedResponse[] = [];
  /** Resolves when the connection is gone, however it ended. */
  readonly closed: Promise<void>;
  isClosed = false;
  /** Set when the server (not this client) ended the connection. */
  closedByServer = false;

  private nextCorrelationId = 1;
  private readonly pending: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closing = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        if (!this.closing) this.closedByServer = true;
        const err = new Error(`connection closed by the server with ${this.pending.length} response(s) outstanding`);
        for (const p of this.pending.splice(0)) p.reject(err);
        resolve();
      });
    });
    // 'close' follows every error; the error itself is only worth keeping for rejections.
    socket.on('error', () => {});
  }

  static connect(host: string, port: number, timeoutMs = 5000): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireClient(socket));
      });
    });
  }

  /** Connects over TLS (SSL and SASL_SSL listeners); rejects when the handshake fails. */
  static connectTls(host: string, port: number, options: TlsConnectionOptions, timeoutMs = 5000): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host, port, ...options });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TLS session with ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireClient(socket));
      });
    });
  }

  /** Encodes and sends one request; resolves with the decoded response body. */
  request<K extends keyof ApiTypes>(apiKey: K, version: number, body: ApiTypes[K]['request'], opts?: RequestOptions): Promise<ApiTypes[K]['response']>;
  request(apiKey: number, version: number, body: object, opts?: RequestOptions): Promise<unknown>;
  request(apiKey: number, version: number, body: object, opts: RequestOptions = {}): Promise<unknown> {
    const api = API_BY_KEY.get(apiKey);
    if (api === undefined) return Promise.reject(new Error(`no codec for api key ${apiKey}; use sendRaw`));
    if (this.isClosed) return Promise.reject(new Error('connection is closed'));
    const correlationId = opts.correlationId ?? this.nextCorrelationId++;
    const bodyVersion = opts.bodyVersion ?? version;
    const frame = encodeRequestFrame(apiKey, version, correlationId, opts.clientId === undefined ? 'wire-client' : opts.clientId,
      (w) => api.request.encode(w, bodyVersion, body as never));
    if (opts.expectResponse === false) {
      return new Promise((resolve, reject) => this.socket.write(frame, (err) => (err ? reject(err) : resolve(undefined))));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ apiKey, version, responseVersion: opts.responseVersion ?? version, correlationId, resolve, reject });
      this.socket.write(frame);
    });
  }

  /**
   * Sends an already framed request (built with encodeRequestFrame, perhaps bent
   * on purpose) and decodes the response as apiKey/version would be.
   */
  requestFrame(frame: Buffer, apiKey: number, version: number, correlationId: number): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new Error('connection is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ apiKey, version, responseVersion: version, correlationId, resolve, reject });
      this.socket.write(frame);
    });
  }

  /** Writes bytes as they are (hostile frames); no response is expected. */
  sendRaw(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) { resolve(); return; }
      this.socket.write(bytes, (err) => (err && !this.isClosed ? reject(err) : resolve()));
    });
  }

  /** True if the server closes the connection within timeoutMs. */
  async waitForClose(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    try {
      return await Promise.race([this.closed.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Number of requests still waiting for their responses. */
  get outstanding(): number {
    return this.pending.length;
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [head];
      const size = head.readInt32BE(0);
      if (size < 0) {
        this.fail(new Error(`server sent a negative response size ${size}`));
        return;
      }
      if (head.length < 4 + size) return;
      const frame = head.subarray(4, 4 + size);
      const rest = head.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const p = this.pending.shift();
    if (p === undefined) {
      this.fail(new Error(`unexpected response frame of ${frame.length} bytes: no request is waiting`));
      return;
    }
    try {
      const r = new Reader(frame);
      const { correlationId } = decodeResponseHeader(r, p.apiKey, p.version);
      this.received.push({ apiKey: p.apiKey, correlationId, at: Date.now(), frame });
      if (correlationId !== p.correlationId) {
        throw new Error(`response out of order: expected correlation id ${p.correlationId}, got ${correlationId}`);
      }
      const body = API_BY_KEY.get(p.apiKey)!.response.decode(r, p.responseVersion);
      if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left over after decoding the response`);
      p.resolve(body);
    } catch (err) {
      p.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(err: Error): void {
    for (const p of this.pending.splice(0)) p.reject(err);
    this.close();
  }
}

/** Connects, runs fn, and always closes the connection. */
export async function withClient<T>(host: string, port: number, fn: (c: WireClient) => Promise<T>): Promise<T> {
  const c = await WireClient.connect(host, port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

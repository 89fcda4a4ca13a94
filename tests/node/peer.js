// Independent peer for pqtun interoperability tests: a standard gRPC
// implementation (@grpc/grpc-js + @grpc/proto-loader) with independent KEM
// code (@noble/post-quantum ML-KEM-1024, PQClean HQC-256 via `pqclean`).
//
//   node peer.js client HOST PORT [--daita] [--bad-parent] [--kyber-mix]
//       calls RegisterPeerV1, prints {"ephemeral":..,"psk":..} (or the
//       error {"code":N,"details":..}) as one JSON line
//   node peer.js server PORT
//       serves RegisterPeerV1, prints "listening PORT" then one JSON line
//       {"parent":..,"ephemeral":..,"kems":[..],"psk":..} per exchange
'use strict';
const path = require('path');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { ml_kem1024 } = require('@noble/post-quantum/ml-kem.js');
const pqclean = require('pqclean');

const PROTO = process.env.PQTUN_PROTO ||
  path.join(__dirname, '..', '..', 'src', 'proto', 'ephemeralpeer.proto');
const def = protoLoader.loadSync(PROTO, { keepCase: true, enums: String, defaults: false, longs: Number });
const ep = grpc.loadPackageDefinition(def).ephemeralpeer;

const b64 = (b) => Buffer.from(b).toString('base64');
const sha256 = (b) => crypto.createHash('sha256').update(Buffer.from(b)).digest();

// PSK: XOR of the secrets, each hashed with SHA-256 unless it has 32 bytes.
function derivePsk(secrets) {
  const psk = Buffer.alloc(32);
  for (const s of secrets) {
    const v = s.byteLength === 32 ? Buffer.from(s) : sha256(s);
    for (let i = 0; i < 32; i++) psk[i] ^= v[i];
  }
  return psk;
}

async function runClient(host, port, flags) {
  const client = new ep.EphemeralPeer(`${host}:${port}`, grpc.credentials.createInsecure());
  const parent = crypto.randomBytes(32);
  const ephemeral = crypto.randomBytes(32);
  const mk = ml_kem1024.keygen();
  const hqc = await pqclean.kem.generateKeyPair('hqc-256');
  const hqcPub = Buffer.from(hqc.publicKey.export());
  const req = {
    wg_parent_pubkey: flags.has('--bad-parent') ? parent.subarray(0, 31) : parent,
    wg_ephemeral_peer_pubkey: ephemeral,
    post_quantum: {
      kem_pubkeys: [
        { algorithm_name: 'ML-KEM-1024', key_data: Buffer.from(mk.publicKey) },
        { algorithm_name: flags.has('--kyber-mix') ? 'Kyber1024' : 'HQC-256',
          key_data: flags.has('--kyber-mix') ? Buffer.from(mk.publicKey) : hqcPub },
      ],
    },
  };
  if (flags.has('--daita')) req.daita_v2 = { version: 2, platform: 'linux_wg_go', level: 'level_default' };
  const deadline = new Date(Date.now() + 10000);
  client.RegisterPeerV1(req, { deadline }, async (err, resp) => {
    if (err) {
      console.log(JSON.stringify({ code: err.code, details: err.details }));
      process.exit(0);
    }
    try {
      const cts = resp.post_quantum.ciphertexts;
      if (cts.length !== 2) throw new Error(`got ${cts.length} ciphertexts`);
      const ss1 = ml_kem1024.decapsulate(new Uint8Array(cts[0]), mk.secretKey);
      const ss2 = await hqc.privateKey.decryptKey(new Uint8Array(cts[1]).buffer);
      const out = { ephemeral: b64(ephemeral), parent: b64(parent), psk: b64(derivePsk([ss1, ss2])) };
      if (resp.daita) out.daita = resp.daita;
      console.log(JSON.stringify(out));
      process.exit(0);
    } catch (e) {
      console.error(`peer.js client: ${e.message}`);
      process.exit(1);
    }
  });
}

function runServer(port) {
  const server = new grpc.Server();
  server.addService(ep.EphemeralPeer.service, {
    RegisterPeerV1: async (call, callback) => {
      const req = call.request;
      try {
        const keys = (req.post_quantum && req.post_quantum.kem_pubkeys) || [];
        const cts = [], secrets = [], names = [];
        for (const k of keys) {
          names.push(k.algorithm_name);
          if (k.algorithm_name === 'ML-KEM-1024') {
            const { cipherText, sharedSecret } = ml_kem1024.encapsulate(new Uint8Array(k.key_data));
            cts.push(Buffer.from(cipherText));
            secrets.push(sharedSecret);
          } else if (k.algorithm_name === 'HQC-256') {
            const pk = new pqclean.kem.PublicKey('hqc-256', new Uint8Array(k.key_data).buffer);
            const { key, encryptedKey } = await pk.generateKey();
            cts.push(Buffer.from(encryptedKey));
            secrets.push(new Uint8Array(key));
          } else {
            return callback({ code: grpc.status.UNIMPLEMENTED, details: `unsupported ${k.algorithm_name}` });
          }
        }
        const psk = keys.length ? b64(derivePsk(secrets)) : null;
        console.log(JSON.stringify({ parent: b64(req.wg_parent_pubkey), ephemeral: b64(req.wg_ephemeral_peer_pubkey),
          kems: names, psk }));
        const resp = {};
        if (keys.length) resp.post_quantum = { ciphertexts: cts };
        if (req.daita_v2) resp.daita = { client_machines: ['node-machine'], max_padding_frac: 0.125, max_blocking_frac: 0.875 };
        callback(null, resp);
      } catch (e) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: e.message });
      }
    },
  });
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
    if (err) { console.error(`peer.js server: ${err.message}`); process.exit(1); }
    console.log(`listening ${bound}`);
  });
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'client') runClient(rest[0], rest[1], new Set(rest.slice(2)));
else if (mode === 'server') runServer(rest[0] || '0');
else { console.error('usage: peer.js client HOST PORT [flags] | server PORT'); process.exit(2); }

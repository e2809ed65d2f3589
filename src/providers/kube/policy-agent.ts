/**
 * The connectivity probe of a policy step, for pods: the same protocol as the lab's Node agent
 * (tools/connect/agent.ts) — `serve` accepts TCP and echoes UDP on the pod's IP (each listed port),
 * `probe` tries a TCP connect and a UDP echo to every target (and port) at once and prints one JSON line — written in Python,
 * which the pod image has (netshoot does) where Node is not. Passed with `python3 -c`, as argv.
 */
import type { ConnectAgent } from '../../tools/connect/agent.ts'

export const POLICY_AGENT = String.raw`
import json, socket, sys, threading, time
mode = sys.argv[1]
def ports(text):
    return [int(port) for port in text.split(',') if port]
if mode == 'serve':
    ip, tcp_ports, udp_ports = sys.argv[2], ports(sys.argv[3]), ports(sys.argv[4])
    def accept(tcp):
        while True:
            connection, _ = tcp.accept()
            connection.close()
    def echo(udp):
        while True:
            data, peer = udp.recvfrom(2048)
            udp.sendto(data, peer)
    for port in tcp_ports:
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((ip, port))
        tcp.listen(64)
        threading.Thread(target=accept, args=(tcp,), daemon=True).start()
    for port in udp_ports:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((ip, port))
        threading.Thread(target=echo, args=(udp,), daemon=True).start()
    print('ready', flush=True)
    while True:
        time.sleep(3600)
else:
    targets, tcp_ports, udp_ports, timeout = json.loads(sys.argv[2]), ports(sys.argv[3]), ports(sys.argv[4]), int(sys.argv[5]) / 1000.0
    def tcp(ip, tcp_port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect((ip, tcp_port))
            return 'allowed'
        except ConnectionRefusedError:
            return 'refused'
        except OSError:
            return 'blocked'
        finally:
            s.close()
    def udp(ip, udp_port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout / 3)
        try:
            for _ in range(3):
                try:
                    s.sendto(b'netbench', (ip, udp_port))
                    s.recvfrom(64)
                    return 'allowed'
                except OSError:
                    pass
            return 'blocked'
        finally:
            s.close()
    # One thread per target, protocol and port: every probe waits at most one timeout.
    results = [{'name': target['name'], 'tcp': {}, 'udp': {}} for target in targets]
    def run(index, protocol, port):
        probe = tcp if protocol == 'tcp' else udp
        results[index][protocol][str(port)] = probe(targets[index]['ip'], port)
    jobs = [(index, 'tcp', port) for index in range(len(targets)) for port in tcp_ports] + [(index, 'udp', port) for index in range(len(targets)) for port in udp_ports]
    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(results), flush=True)
`

/** Pods run the Python twin of the lab's agent, passed as argv to `python3 -c`. */
export const PYTHON_AGENT: ConnectAgent = {
  argv: (args) => ['python3', '-c', POLICY_AGENT, ...args],
  startTimeoutMs: 20_000,
  hint: 'the pod image needs python3 (netshoot has it), and the probe ports must be free',
}

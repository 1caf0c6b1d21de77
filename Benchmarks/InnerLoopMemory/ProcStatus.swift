#if canImport(Glibc)
import Glibc
#endif

/// A field of `/proc/self/status` in megabytes (`VmRSS`: resident now; `VmHWM`: the peak).
func procStatusMegabytes(_ field: String) -> Double {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), file) != nil {
        let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix(field + ":") else { continue }
        // "VmHWM:\t   12345 kB"
        let digits = text.dropFirst(field.count + 1).filter { $0.isNumber }
        return (Double(String(digits)) ?? -1) / 1024
    }
    return -1
}

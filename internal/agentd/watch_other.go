//go:build !linux

package agentd

// watchVault does nothing here: each request re-reads a changed vault
// first (Refresh compares the file's last 32 bytes).
func (s *Server) watchVault() {}

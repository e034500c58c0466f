// Command pulumi-language-python is this project's Python language host for the Pulumi CLI built from source.
//
// Upstream's host lives in its own Go module (sdk/python/cmd/pulumi-language-python) that has no tags and
// that the Go module proxy reachable from our machines does not serve, so the CLI built by
// toolchain/pulumi.sh would have no way to run a Python program. This host implements the parts of the
// LanguageRuntime protocol the engine uses for a pip/virtualenv project and a Python policy pack: it runs
// the program through the SDK's own `pulumi-language-python-exec` (shipped in the sdk/v3 module, copied
// beside this binary) with the same flags and environment upstream passes, and runs policy packs with
// RunPlugin. Dependencies are not installed here: `make` owns the virtualenvs.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is set at build time (-X main.version=...), to the CLI release it was built with.
var version = "0.0.0"

// bailExitCode is what pulumi-language-python-exec exits with after it has shown the user an error.
const bailExitCode = 32

func main() {
	flag.Parse()
	engine := ""
	if flag.NArg() > 0 {
		engine = flag.Arg(0)
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	host := &pythonHost{engine: engine, execScript: filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine     string
	execScript string
}

func (h *pythonHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (
	*pulumirpc.LanguageHandshakeResponse, error,
) {
	if req.GetEngineAddress() != "" {
		h.engine = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins and GetRequiredPackages answer "none": plugins are never downloaded in our runs
// (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION), and the engine loads a provider when a resource needs it.
func (h *pythonHost) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (
	*pulumirpc.GetRequiredPluginsResponse, error,
) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *pythonHost) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (
	*pulumirpc.GetRequiredPackagesResponse, error,
) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *pythonHost) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (
	*pulumirpc.GetProgramDependenciesResponse, error,
) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *pythonHost) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, err := pythonFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: python, Version: version}, nil
}

// InstallDependencies checks, not installs: the virtualenv is built by `make` from the pinned requirements.
func (h *pythonHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	_ grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	_, err := pythonFor(req.GetInfo())
	return err
}

// Run executes the program the way upstream's host does: the exec shim, the run's settings as flags, the
// stack configuration as PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS.
func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	python, err := pythonFor(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := append([]string{"-u", h.execScript}, runFlags(req, h.engine)...)
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env, err := programEnv(req, python)
	if err != nil {
		return nil, err
	}
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", python, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func runFlags(req *pulumirpc.RunRequest, engine string) []string {
	var args []string
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	add("root_directory", req.GetInfo().GetRootDirectory())
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, filepath.Join(req.GetInfo().GetProgramDirectory(), entry))
	return append(args, req.GetArgs()...)
}

func programEnv(req *pulumirpc.RunRequest, python string) ([]string, error) {
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing the stack configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing the secret configuration keys: %w", err)
	}
	return append(withVirtualenvPath(os.Environ(), python),
		"PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(keys)), nil
}

// RunPlugin runs a Python policy pack (or plugin): `python -u <program directory>/<entry point>`, output
// streamed back to the engine, which reads the port the pack prints.
func (h *pythonHost) RunPlugin(req *pulumirpc.RunPluginRequest,
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	python, err := pythonFor(req.GetInfo())
	if err != nil {
		return err
	}
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args := append([]string{"-u", filepath.Join(req.GetInfo().GetProgramDirectory(), entry)}, req.GetArgs()...)
	cmd := exec.CommandContext(server.Context(), python, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = withVirtualenvPath(append(os.Environ(), req.GetEnv()...), python)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not run %s: %w", python, err)
	}
	lines := make(chan *pulumirpc.RunPluginResponse)
	done := make(chan struct{}, 2)
	forward := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		scanner := bufio.NewScanner(r)
		for scanner.Scan() {
			lines <- wrap(append(scanner.Bytes(), '\n'))
		}
		done <- struct{}{}
	}
	go forward(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go forward(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	for open := 2; open > 0; {
		select {
		case line := <-lines:
			if err := server.Send(line); err != nil {
				return err
			}
		case <-done:
			open--
		}
	}
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = int32(exit.ExitCode())
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// pythonFor picks the interpreter as upstream does for the pip toolchain: the `virtualenv` runtime option
// (relative to the project or pack root), else PULUMI_PYTHON_CMD, else python3.
func pythonFor(info *pulumirpc.ProgramInfo) (string, error) {
	venv := option(info.GetOptions(), "virtualenv")
	if venv == "" {
		if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
			return cmd, nil
		}
		return "python3", nil
	}
	if !filepath.IsAbs(venv) {
		venv = filepath.Join(info.GetRootDirectory(), venv)
	}
	python := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(python); err != nil {
		return "", fmt.Errorf("the 'virtualenv' option is set to %q, but %q doesn't exist; create it and "+
			"install the requirements into it (make does this)", venv, python)
	}
	return python, nil
}

func option(options *structpb.Struct, name string) string {
	if options == nil {
		return ""
	}
	if value, ok := options.GetFields()[name]; ok {
		return value.GetStringValue()
	}
	return ""
}

// withVirtualenvPath puts the interpreter's bin directory first on PATH, as activating the virtualenv does.
func withVirtualenvPath(env []string, python string) []string {
	if !filepath.IsAbs(python) {
		return env
	}
	bin := filepath.Dir(python)
	out := make([]string, 0, len(env)+1)
	path := os.Getenv("PATH")
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = strings.TrimPrefix(kv, "PATH=")
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+bin+string(os.PathListSeparator)+path)
}

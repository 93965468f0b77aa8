package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// readPlanted parses lab/planted-secrets.txt (NAME|CARRIER|VALUE lines).
func readPlanted(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("%s: malformed line %q", path, line)
		}
		out[parts[0]] = parts[2]
	}
	return out, sc.Err()
}

// vault makes sure pod vault-<tag> runs one container whose env, labels, pod
// annotations and log output carry the planted fake secrets, in the forms a
// real workload has them (env lists, URLs with user info, bearer tokens).
func (l *lab) vault(ctx context.Context, tag string, s map[string]string) error {
	name := "vault-" + tag
	pods, err := l.rt.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{Filter: &cri.PodSandboxFilter{
		LabelSelector: map[string]string{labLabel: "vault"},
		State:         &cri.PodSandboxStateValue{State: cri.PodSandboxState_SANDBOX_READY}}})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for _, p := range pods.Items {
		// A pod from an older lab without the annotations is replaced.
		if p.Metadata.Name == name && p.Annotations["webhook.lab.example/url"] != "" {
			return nil
		}
	}
	if err := l.removePods(ctx, func(p *cri.PodSandbox) bool { return p.Labels[labLabel] != "" && p.Metadata.Name == name }); err != nil {
		return err
	}
	podID, cfg, err := l.runPod(ctx, name, "vault", map[string]string{
		"webhook.lab.example/url":      "https://hookuser:" + s["annotation_url"] + "@hooks.lab.example/notify",
		"notify.lab.example/slack-bot": s["annotation_slack"],
	})
	if err != nil {
		return err
	}
	script := fmt.Sprintf(`echo "GET /api/orders Authorization: Bearer %s"; echo "connecting to db with password=%s"; `+
		`while true; do echo "vault tick $(date -Iseconds)"; sleep 30; done`, s["log_jwt"], s["log_password"])
	id, err := l.create(ctx, podID, cfg, &cri.ContainerConfig{
		Metadata: &cri.ContainerMetadata{Name: "app"},
		Image:    l.imageSpec(),
		Command:  []string{"/bin/sh", "-c", script},
		Envs: []*cri.KeyValue{
			{Key: "LAB_ROLE", Value: "vault"},
			{Key: "DB_PASSWORD", Value: s["env_password"]},
			{Key: "AWS_ACCESS_KEY_ID", Value: s["env_aws_key_id"]},
			{Key: "AWS_SECRET_ACCESS_KEY", Value: s["env_aws_secret"]},
			{Key: "DATABASE_URL", Value: "postgres://app:" + s["env_dsn"] + "@db.lab.example:5432/orders"},
			{Key: "PAYMENT_KEY", Value: s["env_stripe"]},
			{Key: "AZURE_STORAGE_CONNECTION_STRING", Value: "DefaultEndpointsProtocol=https;AccountName=rtsnaplab;AccountKey=" + s["env_azure"] + ";EndpointSuffix=core.windows.net"},
		},
		Labels:  map[string]string{labLabel: "vault-app", "io.kubernetes.container.name": "app", "ci-token": s["label_github"]},
		LogPath: "app/0.log",
	})
	if err != nil {
		return err
	}
	if _, err := l.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
		return fmt.Errorf("start %s/app: %w", name, err)
	}
	return nil
}

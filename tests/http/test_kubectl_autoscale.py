"""`kubectl autoscale`, `get hpa` and `describe hpa` (kubectl v1.32) against a served
cluster: kubectl creates through autoscaling/v1 (protobuf), reads through v2; the HPA
controller raises the Deployment to minReplicas at once and, once metrics-server has
measured the pods, reports their CPU against the target."""

from __future__ import annotations

import json
import re

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

PHP_APACHE = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
"""
BAD = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: bad
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  minReplicas: 0
  maxReplicas: 3
"""


def test_autoscale_get_and_describe(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "apply", "-f", "-", stdin=PHP_APACHE)
    made = kubectl(cluster, "autoscale", "deployment", "php-apache", "--cpu-percent=50",
                   "--min=2", "--max=5")
    assert made.stdout.strip() == "horizontalpodautoscaler.autoscaling/php-apache autoscaled"
    # below minReplicas: raised to 2 at once; then the pods' CPU (the idle php-apache's
    # 1m of a 200m request) is measured: 0%
    kubectl(cluster, "wait", "--for=jsonpath={.status.currentReplicas}=2", "hpa/php-apache",
            "--timeout=60s")
    kubectl(cluster, "wait", "--for=jsonpath={.status.currentMetrics[0].resource.current."
            "averageUtilization}=0", "hpa/php-apache", "--timeout=60s")
    table = kubectl(cluster, "get", "hpa").stdout.splitlines()
    assert table[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS",
                                "REPLICAS", "AGE"]
    assert re.fullmatch(r"php-apache\s+Deployment/php-apache\s+cpu: 0%/50%\s+2\s+5\s+2\s+\S+",
                        table[1]), table[1]
    described = kubectl(cluster, "describe", "hpa", "php-apache").stdout
    for line in (r"Reference:\s+Deployment/php-apache",
                 r"resource cpu on pods\s+\(as a percentage of request\):\s+0% \(1m\) / 50%",
                 r"Min replicas:\s+2", r"Max replicas:\s+5",
                 r"Deployment pods:\s+2 current / 2 desired",
                 r"ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully "
                 r"calculate a replica count from cpu resource utilization \(percentage of "
                 r"request\)",
                 r"Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: 2; "
                 r"reason: Current number of replicas below Spec.MinReplicas"):
        assert re.search(line, described), (line, described)
    # the same object through autoscaling/v1, as kubectl created it
    v1 = json.loads(kubectl(cluster, "get", "horizontalpodautoscalers.v1.autoscaling",
                            "php-apache", "-o", "json").stdout)
    assert (v1["apiVersion"], v1["spec"]["targetCPUUtilizationPercentage"],
            v1["status"]["currentCPUUtilizationPercentage"]) == ("autoscaling/v1", 50, 0)
    v1_table = kubectl(cluster, "get", "horizontalpodautoscalers.v1.autoscaling").stdout
    assert "cpu: 0%/50%" in v1_table.splitlines()[1]
    refused = kubectl(cluster, "apply", "-f", "-", stdin=BAD, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == 'The HorizontalPodAutoscaler "bad" is invalid: ' \
        "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"
    assert kubectl(cluster, "delete", "hpa", "php-apache").stdout.strip() == \
        'horizontalpodautoscaler.autoscaling "php-apache" deleted'

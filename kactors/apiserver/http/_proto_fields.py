"""Field tables of the Kubernetes protobuf messages kubectl's typed clients send.

Transcribed from Kubernetes' ``generated.proto`` files (k8s.io/api core/v1, apps/v1,
batch/v1, rbac/v1, authentication/v1, authorization/v1, policy/v1, networking/v1,
autoscaling/v1; k8s.io/apimachinery meta/v1,
util/intstr, api/resource). Field numbers are written exactly as there; names are the
*JSON* names (the ``json:`` tags), which is what the decoder produces.

One line per field: ``NUMBER NAME TYPE``, fields separated by ``;``. TYPE is

- ``s`` string, ``i`` integer (int32/int64 varint), ``b`` bool, ``y`` bytes (base64 in
  JSON), ``q`` resource.Quantity (its string), ``t`` meta/v1 Time (RFC 3339),
  ``x`` intstr.IntOrString (an int or a string), or a message name from this table;
- prefixed ``[`` for a repeated field, ``{`` for a ``map<string, TYPE>``;
- suffixed ``?`` when the Go field is a pointer. Go's protobuf encoder (gogo, proto2)
  writes every non-pointer field, zero or not, and a pointer field only when set, so a
  zero scalar on the wire means "unset" (JSON omits it) unless the field is a pointer
  (JSON has the explicit zero: ``replicas: 0``).

NAME ``-`` embeds the message's fields into the parent, as Go's embedded structs do in
JSON (``Probe`` inlines ``ProbeHandler``, ``Volume`` inlines ``VolumeSource``...).
``Unread`` stands for a status: read-only on create, never decoded (it becomes ``{}``).
Fields not listed are skipped, as a protobuf reader skips unknown fields.
"""

from __future__ import annotations

__all__ = ["KINDS", "MESSAGES"]

_META = {
    "ObjectMeta": "1 name s; 2 generateName s; 3 namespace s; 4 selfLink s; 5 uid s; "
                  "6 resourceVersion s; 7 generation i; 8 creationTimestamp t; "
                  "9 deletionTimestamp t; 10 deletionGracePeriodSeconds i?; 11 labels {s; "
                  "12 annotations {s; 13 ownerReferences [OwnerReference; 14 finalizers [s",
    "OwnerReference": "5 apiVersion s; 1 kind s; 3 name s; 4 uid s; 6 controller b?; "
                      "7 blockOwnerDeletion b?",
    "LabelSelector": "1 matchLabels {s; 2 matchExpressions [LabelSelectorRequirement",
    "LabelSelectorRequirement": "1 key s; 2 operator s; 3 values [s",
    "DeleteOptions": "1 gracePeriodSeconds i?; 2 preconditions Preconditions; "
                     "3 orphanDependents b?; 4 propagationPolicy s?; 5 dryRun [s",
    "Preconditions": "1 uid s?; 2 resourceVersion s?",
    "Unread": "",
}

_CORE = {
    "Namespace": "1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status Unread",
    "NamespaceSpec": "1 finalizers [s",
    "ConfigMap": "1 metadata ObjectMeta; 4 immutable b?; 2 data {s; 3 binaryData {y",
    "Secret": "1 metadata ObjectMeta; 5 immutable b?; 2 data {y; 4 stringData {s; 3 type s",
    "ServiceAccount": "1 metadata ObjectMeta; 2 secrets [ObjectReference; "
                      "3 imagePullSecrets [LocalObjectReference; "
                      "4 automountServiceAccountToken b?",
    "ObjectReference": "1 kind s; 2 namespace s; 3 name s; 4 uid s; 5 apiVersion s; "
                       "6 resourceVersion s; 7 fieldPath s",
    "LocalObjectReference": "1 name s",
    "Service": "1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus",
    "ServiceStatus": "1 loadBalancer LoadBalancerStatus",
    "LoadBalancerStatus": "1 ingress [LoadBalancerIngress",
    "LoadBalancerIngress": "1 ip s; 2 hostname s; 3 ipMode s?",
    "ServiceSpec": "1 ports [ServicePort; 2 selector {s; 3 clusterIP s; 18 clusterIPs [s; "
                   "4 type s; 5 externalIPs [s; 7 sessionAffinity s; 8 loadBalancerIP s; "
                   "9 loadBalancerSourceRanges [s; 10 externalName s; "
                   "11 externalTrafficPolicy s; 12 healthCheckNodePort i; "
                   "13 publishNotReadyAddresses b; "
                   "14 sessionAffinityConfig SessionAffinityConfig; 19 ipFamilies [s; "
                   "17 ipFamilyPolicy s?; 20 allocateLoadBalancerNodePorts b?; "
                   "21 loadBalancerClass s?; 22 internalTrafficPolicy s?; "
                   "23 trafficDistribution s?",
    "ServicePort": "1 name s; 2 protocol s; 6 appProtocol s?; 3 port i; 4 targetPort x; "
                   "5 nodePort i",
    "SessionAffinityConfig": "1 clientIP ClientIPConfig",
    "ClientIPConfig": "1 timeoutSeconds i?",
    "Pod": "1 metadata ObjectMeta; 2 spec PodSpec; 3 status Unread",
    "PodTemplateSpec": "1 metadata ObjectMeta; 2 spec PodSpec",
    "PodSpec": "1 volumes [Volume; 20 initContainers [Container; 2 containers [Container; "
               "3 restartPolicy s; 4 terminationGracePeriodSeconds i?; "
               "5 activeDeadlineSeconds i?; 6 dnsPolicy s; 7 nodeSelector {s; "
               "8 serviceAccountName s; 9 serviceAccount s; "
               "21 automountServiceAccountToken b?; 10 nodeName s; 11 hostNetwork b; "
               "12 hostPID b; 13 hostIPC b; 27 shareProcessNamespace b?; "
               "14 securityContext PodSecurityContext; "
               "15 imagePullSecrets [LocalObjectReference; 16 hostname s; 17 subdomain s; "
               "18 affinity Affinity; 19 schedulerName s; 22 tolerations [Toleration; "
               "23 hostAliases [HostAlias; 24 priorityClassName s; 25 priority i?; "
               "26 dnsConfig PodDNSConfig; 28 readinessGates [PodReadinessGate; "
               "29 runtimeClassName s?; 30 enableServiceLinks b?; 31 preemptionPolicy s?; "
               "32 overhead {q; 33 topologySpreadConstraints [TopologySpreadConstraint; "
               "35 setHostnameAsFQDN b?; 36 os PodOS; 37 hostUsers b?; "
               "38 schedulingGates [PodSchedulingGate; 39 resourceClaims [PodResourceClaim; "
               "40 resources ResourceRequirements; 41 hostnameOverride s?",
    "Container": "1 name s; 2 image s; 3 command [s; 4 args [s; 5 workingDir s; "
                 "6 ports [ContainerPort; 19 envFrom [EnvFromSource; 7 env [EnvVar; "
                 "8 resources ResourceRequirements; 23 resizePolicy [ContainerResizePolicy; "
                 "24 restartPolicy s?; 9 volumeMounts [VolumeMount; "
                 "21 volumeDevices [VolumeDevice; 10 livenessProbe Probe; "
                 "11 readinessProbe Probe; 22 startupProbe Probe; 12 lifecycle Lifecycle; "
                 "13 terminationMessagePath s; 20 terminationMessagePolicy s; "
                 "14 imagePullPolicy s; 15 securityContext SecurityContext; 16 stdin b; "
                 "17 stdinOnce b; 18 tty b",
    "ContainerPort": "1 name s; 2 hostPort i; 3 containerPort i; 4 protocol s; 5 hostIP s",
    "ContainerResizePolicy": "1 resourceName s; 2 restartPolicy s",
    "EnvVar": "1 name s; 2 value s; 3 valueFrom EnvVarSource",
    "EnvVarSource": "1 fieldRef ObjectFieldSelector; 2 resourceFieldRef ResourceFieldSelector; "
                    "3 configMapKeyRef ConfigMapKeySelector; 4 secretKeyRef SecretKeySelector",
    "ObjectFieldSelector": "1 apiVersion s; 2 fieldPath s",
    "ResourceFieldSelector": "1 containerName s; 2 resource s; 3 divisor q",
    "ConfigMapKeySelector": "1 - LocalObjectReference; 2 key s; 3 optional b?",
    "SecretKeySelector": "1 - LocalObjectReference; 2 key s; 3 optional b?",
    "EnvFromSource": "1 prefix s; 2 configMapRef ConfigMapEnvSource; "
                     "3 secretRef SecretEnvSource",
    "ConfigMapEnvSource": "1 - LocalObjectReference; 2 optional b?",
    "SecretEnvSource": "1 - LocalObjectReference; 2 optional b?",
    "ResourceRequirements": "1 limits {q; 2 requests {q; 3 claims [ResourceClaim",
    "ResourceClaim": "1 name s; 2 request s",
    "VolumeMount": "1 name s; 2 readOnly b; 7 recursiveReadOnly s?; 3 mountPath s; "
                   "4 subPath s; 5 mountPropagation s?; 6 subPathExpr s",
    "VolumeDevice": "1 name s; 2 devicePath s",
    "Probe": "1 - ProbeHandler; 2 initialDelaySeconds i; 3 timeoutSeconds i; "
             "4 periodSeconds i; 5 successThreshold i; 6 failureThreshold i; "
             "7 terminationGracePeriodSeconds i?",
    "ProbeHandler": "1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction; "
                    "4 grpc GRPCAction",
    "ExecAction": "1 command [s",
    "HTTPGetAction": "1 path s; 2 port x; 3 host s; 4 scheme s; 5 httpHeaders [HTTPHeader",
    "HTTPHeader": "1 name s; 2 value s",
    "TCPSocketAction": "1 port x; 2 host s",
    "GRPCAction": "1 port i; 2 service s?",
    "Lifecycle": "1 postStart LifecycleHandler; 2 preStop LifecycleHandler; 3 stopSignal s?",
    "LifecycleHandler": "1 exec ExecAction; 2 httpGet HTTPGetAction; "
                        "3 tcpSocket TCPSocketAction; 4 sleep SleepAction",
    "SleepAction": "1 seconds i",
    "SecurityContext": "1 capabilities Capabilities; 2 privileged b?; "
                       "3 seLinuxOptions SELinuxOptions; "
                       "10 windowsOptions WindowsSecurityContextOptions; 4 runAsUser i?; "
                       "8 runAsGroup i?; 5 runAsNonRoot b?; 6 readOnlyRootFilesystem b?; "
                       "7 allowPrivilegeEscalation b?; 9 procMount s?; "
                       "11 seccompProfile SeccompProfile; 12 appArmorProfile AppArmorProfile",
    "PodSecurityContext": "1 seLinuxOptions SELinuxOptions; "
                          "8 windowsOptions WindowsSecurityContextOptions; 2 runAsUser i?; "
                          "6 runAsGroup i?; 3 runAsNonRoot b?; 4 supplementalGroups [i; "
                          "12 supplementalGroupsPolicy s?; 5 fsGroup i?; 7 sysctls [Sysctl; "
                          "9 fsGroupChangePolicy s?; 10 seccompProfile SeccompProfile; "
                          "11 appArmorProfile AppArmorProfile; 13 seLinuxChangePolicy s?",
    "Capabilities": "1 add [s; 2 drop [s",
    "SELinuxOptions": "1 user s; 2 role s; 3 type s; 4 level s",
    "WindowsSecurityContextOptions": "1 gmsaCredentialSpecName s?; 2 gmsaCredentialSpec s?; "
                                     "3 runAsUserName s?; 4 hostProcess b?",
    "SeccompProfile": "1 type s; 2 localhostProfile s?",
    "AppArmorProfile": "1 type s; 2 localhostProfile s?",
    "Sysctl": "1 name s; 2 value s",
    "Volume": "1 name s; 2 - VolumeSource",
    "VolumeSource": "1 hostPath HostPathVolumeSource; 2 emptyDir EmptyDirVolumeSource; "
                    "6 secret SecretVolumeSource; 7 nfs NFSVolumeSource; "
                    "10 persistentVolumeClaim PersistentVolumeClaimVolumeSource; "
                    "16 downwardAPI DownwardAPIVolumeSource; "
                    "19 configMap ConfigMapVolumeSource; 26 projected ProjectedVolumeSource; "
                    "28 csi CSIVolumeSource; 30 image ImageVolumeSource",
    "HostPathVolumeSource": "1 path s; 2 type s?",
    "EmptyDirVolumeSource": "1 medium s; 2 sizeLimit q?",
    "SecretVolumeSource": "1 secretName s; 2 items [KeyToPath; 3 defaultMode i?; "
                          "4 optional b?",
    "NFSVolumeSource": "1 server s; 2 path s; 3 readOnly b",
    "PersistentVolumeClaimVolumeSource": "1 claimName s; 2 readOnly b",
    "DownwardAPIVolumeSource": "1 items [DownwardAPIVolumeFile; 2 defaultMode i?",
    "DownwardAPIVolumeFile": "1 path s; 2 fieldRef ObjectFieldSelector; "
                             "3 resourceFieldRef ResourceFieldSelector; 4 mode i?",
    "ConfigMapVolumeSource": "1 - LocalObjectReference; 2 items [KeyToPath; "
                             "3 defaultMode i?; 4 optional b?",
    "KeyToPath": "1 key s; 2 path s; 3 mode i?",
    "ProjectedVolumeSource": "1 sources [VolumeProjection; 2 defaultMode i?",
    "VolumeProjection": "1 secret SecretProjection; 2 downwardAPI DownwardAPIProjection; "
                        "3 configMap ConfigMapProjection; "
                        "4 serviceAccountToken ServiceAccountTokenProjection",
    "SecretProjection": "1 - LocalObjectReference; 2 items [KeyToPath; 4 optional b?",
    "ConfigMapProjection": "1 - LocalObjectReference; 2 items [KeyToPath; 4 optional b?",
    "DownwardAPIProjection": "1 items [DownwardAPIVolumeFile",
    "ServiceAccountTokenProjection": "1 audience s; 2 expirationSeconds i?; 3 path s",
    "CSIVolumeSource": "1 driver s; 2 readOnly b?; 3 fsType s?; 4 volumeAttributes {s; "
                       "5 nodePublishSecretRef LocalObjectReference",
    "ImageVolumeSource": "1 reference s; 2 pullPolicy s",
    "Affinity": "1 nodeAffinity NodeAffinity; 2 podAffinity PodAffinity; "
                "3 podAntiAffinity PodAffinity",
    "NodeAffinity": "1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector; "
                    "2 preferredDuringSchedulingIgnoredDuringExecution "
                    "[PreferredSchedulingTerm",
    "NodeSelector": "1 nodeSelectorTerms [NodeSelectorTerm",
    "NodeSelectorTerm": "1 matchExpressions [NodeSelectorRequirement; "
                        "2 matchFields [NodeSelectorRequirement",
    "NodeSelectorRequirement": "1 key s; 2 operator s; 3 values [s",
    "PreferredSchedulingTerm": "1 weight i; 2 preference NodeSelectorTerm",
    # PodAffinity and PodAntiAffinity share one shape (field numbers and names)
    "PodAffinity": "1 requiredDuringSchedulingIgnoredDuringExecution [PodAffinityTerm; "
                   "2 preferredDuringSchedulingIgnoredDuringExecution "
                   "[WeightedPodAffinityTerm",
    "PodAffinityTerm": "1 labelSelector LabelSelector; 2 namespaces [s; 3 topologyKey s; "
                       "4 namespaceSelector LabelSelector; 5 matchLabelKeys [s; "
                       "6 mismatchLabelKeys [s",
    "WeightedPodAffinityTerm": "1 weight i; 2 podAffinityTerm PodAffinityTerm",
    "Toleration": "1 key s; 2 operator s; 3 value s; 4 effect s; 5 tolerationSeconds i?",
    "HostAlias": "1 ip s; 2 hostnames [s",
    "PodDNSConfig": "1 nameservers [s; 2 searches [s; 3 options [PodDNSConfigOption",
    "PodDNSConfigOption": "1 name s; 2 value s?",
    "PodReadinessGate": "1 conditionType s",
    "TopologySpreadConstraint": "1 maxSkew i; 2 topologyKey s; 3 whenUnsatisfiable s; "
                                "4 labelSelector LabelSelector; 5 minDomains i?; "
                                "6 nodeAffinityPolicy s?; 7 nodeTaintsPolicy s?; "
                                "8 matchLabelKeys [s",
    "PodOS": "1 name s",
    "PodSchedulingGate": "1 name s",
    "PodResourceClaim": "1 name s; 3 resourceClaimName s?; 4 resourceClaimTemplateName s?",
}

_APPS = {
    "Deployment": "1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status Unread",
    "DeploymentSpec": "1 replicas i?; 2 selector LabelSelector; 3 template PodTemplateSpec; "
                      "4 strategy DeploymentStrategy; 5 minReadySeconds i; "
                      "6 revisionHistoryLimit i?; 7 paused b; 9 progressDeadlineSeconds i?; "
                      "10 podReplacementPolicy s?",
    "DeploymentStrategy": "1 type s; 2 rollingUpdate RollingUpdateDeployment",
    "RollingUpdateDeployment": "1 maxUnavailable x?; 2 maxSurge x?",
    "ReplicaSet": "1 metadata ObjectMeta; 2 spec ReplicaSetSpec; 3 status Unread",
    "ReplicaSetSpec": "1 replicas i?; 4 minReadySeconds i; 2 selector LabelSelector; "
                      "3 template PodTemplateSpec",
}

_BATCH = {
    "Job": "1 metadata ObjectMeta; 2 spec JobSpec; 3 status Unread",
    "CronJob": "1 metadata ObjectMeta; 2 spec CronJobSpec; 3 status Unread",
    "CronJobSpec": "1 schedule s; 8 timeZone s?; 2 startingDeadlineSeconds i?; "
                   "3 concurrencyPolicy s; 4 suspend b?; 5 jobTemplate JobTemplateSpec; "
                   "6 successfulJobsHistoryLimit i?; 7 failedJobsHistoryLimit i?",
    "JobTemplateSpec": "1 metadata ObjectMeta; 2 spec JobSpec",
    "JobSpec": "1 parallelism i?; 2 completions i?; 3 activeDeadlineSeconds i?; "
               "7 backoffLimit i?; 12 backoffLimitPerIndex i?; 13 maxFailedIndexes i?; "
               "4 selector LabelSelector; 5 manualSelector b?; 6 template PodTemplateSpec; "
               "8 ttlSecondsAfterFinished i?; 9 completionMode s?; 10 suspend b?; "
               "14 podReplacementPolicy s?; 15 managedBy s?",
}

_RBAC = {
    "Role": "1 metadata ObjectMeta; 2 rules [PolicyRule",
    "ClusterRole": "1 metadata ObjectMeta; 2 rules [PolicyRule; "
                   "3 aggregationRule AggregationRule",
    "AggregationRule": "1 clusterRoleSelectors [LabelSelector",
    "PolicyRule": "1 verbs [s; 2 apiGroups [s; 3 resources [s; 4 resourceNames [s; "
                  "5 nonResourceURLs [s",
    "RoleBinding": "1 metadata ObjectMeta; 2 subjects [Subject; 3 roleRef RoleRef",
    "Subject": "1 kind s; 2 apiGroup s; 3 name s; 4 namespace s",
    "RoleRef": "1 apiGroup s; 2 kind s; 3 name s",
}

_AUTH = {
    "TokenRequest": "1 metadata ObjectMeta; 2 spec TokenRequestSpec; "
                    "3 status TokenRequestStatus",
    "TokenRequestSpec": "1 audiences [s; 4 expirationSeconds i?; "
                        "3 boundObjectRef BoundObjectReference",
    "BoundObjectReference": "1 kind s; 2 apiVersion s; 3 name s; 4 uid s",
    "TokenRequestStatus": "1 token s; 2 expirationTimestamp t",
    "SelfSubjectAccessReview": "1 metadata ObjectMeta; 2 spec SelfSubjectAccessReviewSpec; "
                               "3 status Unread",
    "SelfSubjectAccessReviewSpec": "1 resourceAttributes ResourceAttributes; "
                                   "2 nonResourceAttributes NonResourceAttributes",
    "ResourceAttributes": "1 namespace s; 2 verb s; 3 group s; 4 version s; 5 resource s; "
                          "6 subresource s; 7 name s",
    "NonResourceAttributes": "1 path s; 2 verb s",
    "SelfSubjectRulesReview": "1 metadata ObjectMeta; 2 spec SelfSubjectRulesReviewSpec; "
                              "3 status Unread",
    "SelfSubjectRulesReviewSpec": "1 namespace s",
    "SelfSubjectReview": "1 metadata ObjectMeta; 2 status Unread",
}

_SCHEDULING = {
    "PriorityClass": "1 metadata ObjectMeta; 2 value i; 3 globalDefault b; "
                     "4 description s; 5 preemptionPolicy s?",
}

_NETWORKING = {
    "Ingress": "1 metadata ObjectMeta; 2 spec IngressSpec; 3 status Unread",
    "IngressSpec": "4 ingressClassName s?; 1 defaultBackend IngressBackend; "
                   "2 tls [IngressTLS; 3 rules [IngressRule",
    "IngressBackend": "4 service IngressServiceBackend; 3 resource TypedLocalObjectReference",
    "IngressServiceBackend": "1 name s; 2 port ServiceBackendPort",
    "ServiceBackendPort": "1 name s; 2 number i",
    "TypedLocalObjectReference": "1 apiGroup s?; 2 kind s; 3 name s",
    "IngressTLS": "1 hosts [s; 2 secretName s",
    "IngressRule": "1 host s; 2 - IngressRuleValue",
    "IngressRuleValue": "1 http HTTPIngressRuleValue",
    "HTTPIngressRuleValue": "1 paths [HTTPIngressPath",
    "HTTPIngressPath": "1 path s; 3 pathType s?; 2 backend IngressBackend",
    "IngressClass": "1 metadata ObjectMeta; 2 spec IngressClassSpec",
    "IngressClassSpec": "1 controller s; 2 parameters IngressClassParametersReference",
    "IngressClassParametersReference": "1 apiGroup s?; 2 kind s; 3 name s; 4 scope s?; "
                                       "5 namespace s?",
    "NetworkPolicy": "1 metadata ObjectMeta; 2 spec NetworkPolicySpec",
    "NetworkPolicySpec": "1 podSelector LabelSelector; 2 ingress [NetworkPolicyIngressRule; "
                         "3 egress [NetworkPolicyEgressRule; 4 policyTypes [s",
    "NetworkPolicyIngressRule": "1 ports [NetworkPolicyPort; 2 from [NetworkPolicyPeer",
    "NetworkPolicyEgressRule": "1 ports [NetworkPolicyPort; 2 to [NetworkPolicyPeer",
    "NetworkPolicyPort": "1 protocol s?; 2 port x?; 3 endPort i?",
    "NetworkPolicyPeer": "1 podSelector LabelSelector; 2 namespaceSelector LabelSelector; "
                         "3 ipBlock IPBlock",
    "IPBlock": "1 cidr s; 2 except [s",
}

_QUOTA = {
    "ResourceQuota": "1 metadata ObjectMeta; 2 spec ResourceQuotaSpec; 3 status Unread",
    "ResourceQuotaSpec": "1 hard {q; 2 scopes [s",
}

_POLICY = {
    "Eviction": "1 metadata ObjectMeta; 2 deleteOptions DeleteOptions",
    "PodDisruptionBudget": "1 metadata ObjectMeta; 2 spec PodDisruptionBudgetSpec; "
                           "3 status Unread",
    "PodDisruptionBudgetSpec": "1 minAvailable x?; 2 selector LabelSelector; "
                               "3 maxUnavailable x?; 4 unhealthyPodEvictionPolicy s?",
}

_AUTOSCALING = {  # autoscaling/v1: what `kubectl autoscale` creates
    "HorizontalPodAutoscaler": "1 metadata ObjectMeta; 2 spec HorizontalPodAutoscalerSpec; "
                               "3 status Unread",
    "HorizontalPodAutoscalerSpec": "1 scaleTargetRef CrossVersionObjectReference; "
                                   "2 minReplicas i?; 3 maxReplicas i; "
                                   "4 targetCPUUtilizationPercentage i?",
    "CrossVersionObjectReference": "1 kind s; 2 name s; 3 apiVersion s",
}

#: message name -> its fields, in the compact notation above
MESSAGES: dict[str, str] = {**_META, **_CORE, **_APPS, **_BATCH, **_RBAC, **_AUTH, **_POLICY,
                            **_QUOTA, **_SCHEDULING, **_NETWORKING, **_AUTOSCALING}

#: (apiVersion, kind) of a top-level object -> the message it is encoded as
KINDS: dict[tuple[str, str], str] = {
    **{("v1", kind): kind for kind in (
        "Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "Pod")},
    **{("apps/v1", kind): kind for kind in ("Deployment", "ReplicaSet")},
    ("batch/v1", "Job"): "Job",
    ("batch/v1", "CronJob"): "CronJob",
    **{("rbac.authorization.k8s.io/v1", kind): message for kind, message in (
        ("Role", "Role"), ("ClusterRole", "ClusterRole"),
        ("RoleBinding", "RoleBinding"), ("ClusterRoleBinding", "RoleBinding"))},
    **{("authentication.k8s.io/v1", kind): kind for kind in (
        "TokenRequest", "SelfSubjectReview")},
    **{("authorization.k8s.io/v1", kind): kind for kind in (
        "SelfSubjectAccessReview", "SelfSubjectRulesReview")},
    **{("policy/v1", kind): kind for kind in ("Eviction", "PodDisruptionBudget")},
    ("v1", "ResourceQuota"): "ResourceQuota",
    ("scheduling.k8s.io/v1", "PriorityClass"): "PriorityClass",
    **{("networking.k8s.io/v1", kind): kind for kind in (
        "Ingress", "IngressClass", "NetworkPolicy")},
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "HorizontalPodAutoscaler",
}

// WEx QS on Azure, one resource group per environment (parameters: main.<env>.bicepparam).
//
//   Container Apps (at least two replicas of the image built from ../Dockerfile, one revision at a
//   time, health probes on /healthz and /readyz) + Azure Container Registry
//   Azure Database for PostgreSQL Flexible Server (the one database every replica shares)
//   Azure Bot (user-assigned managed identity: no bot password) with the Microsoft Teams channel
//   Key Vault (RBAC) holding the secrets; the app reads them as Key Vault references
//   Application Insights (workspace-based) for the OpenTelemetry traces, metrics and logs
//
// Region: UK South. The Entra app registration used for Graph and tab SSO is described in
// entra/aad.manifest.json and created before this deployment (see the README, "Deploying").
// This file has not been deployed from the project's build machines (they have no Azure access).
targetScope = 'resourceGroup'

@description('Environment name: dev, test or prod. Used in resource names.')
@allowed(['dev', 'test', 'prod'])
param environmentName string

@description('Azure region. NHS England data stays in the UK.')
@allowed(['uksouth'])
param location string = 'uksouth'

@description('Short prefix for resource names (letters and digits).')
@minLength(3)
@maxLength(10)
param namePrefix string = 'wexqs'

@description('Container image, e.g. wexqsdevacr.azurecr.io/wexqs:1.0.0 (pushed by the deployment steps).')
param containerImage string

@description('Replicas that always run (two or more: resilience and deployments without downtime).')
@minValue(2)
param minReplicas int = 2

@description('Most replicas the HTTP scale rule may add.')
@minValue(2)
param maxReplicas int = 4

@description('Public host name of the app (the tab domain), e.g. wexqs.example.nhs.uk. Empty: the Container Apps default domain.')
param customDomain string = ''

@description('Entra tenant id.')
param tenantId string = subscription().tenantId

@description('Entra app (client) id of the registration in entra/aad.manifest.json (Graph app-only + tab SSO).')
param entraAppClientId string

@secure()
@description('Client secret of that Entra app (stored in Key Vault).')
param entraAppClientSecret string

@description('The Teams app manifest id (TEAMS_APP_ID; a GUID generated once per environment).')
param teamsAppId string

@description('SharePoint document library (drive) id holding the evidence folders.')
param graphDriveId string

@description('UPN of the mailbox that organises drop-in meetings.')
param graphOrganiserUpn string

@description('Graph e-mails invitations (meeting invites, folder sharing).')
param graphSendInvitations bool = true

@description('Object id of the assessment team\'s Entra security group, granted on every evidence folder.')
param graphAssessmentGroupId string

@description('The tenant\'s Microsoft 365 licence band, which sets the app\'s SharePoint resource-unit budget.')
@allowed(['0-1k', '1k-5k', '5k-15k', '15k-50k', '50k+'])
param sharePointLicenceBand string = '0-1k'

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'wexqsadmin'

@secure()
@description('PostgreSQL administrator password (stored in Key Vault inside DATABASE_URL).')
param postgresAdminPassword string

@secure()
@description('Random key (32+ characters) that signs links opened outside Teams (.ics).')
param linkSigningSecret string

@description('PostgreSQL compute: Burstable B2s for dev/test, General Purpose for prod.')
param postgresSku object = {
  name: 'Standard_B2s'
  tier: 'Burstable'
}

@description('Zone-redundant high availability for PostgreSQL (prod).')
param postgresHighAvailability bool = false

@description('pino log level.')
param logLevel string = 'info'

var suffix = '${namePrefix}-${environmentName}'
var uniq = uniqueString(resourceGroup().id)
var appName = '${suffix}-app'
var publicHost = empty(customDomain) ? '${appName}.${containerEnv.properties.defaultDomain}' : customDomain
var publicBaseUrl = 'https://${publicHost}'
var databaseName = 'wexqs'
// Built-in role ids (learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var acrPull = '7f951dca-d3a5-4ff8-8dc7-f3bd83ee7b0c'

// --- Identity: the app's user-assigned managed identity is also the Azure Bot's identity.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${suffix}-id'
  location: location
}

// --- Observability
resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${suffix}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${suffix}-ai'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableIpMasking: false
  }
}

// --- Secrets
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${namePrefix}${environmentName}kv${uniq}', 24)
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretDatabaseUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
  }
}

resource secretGraphClient 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'graph-client-secret'
  properties: { value: entraAppClientSecret }
}

resource secretLinkSigning 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'link-signing-secret'
  properties: { value: linkSigningSecret }
}

resource secretInsights 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'applicationinsights-connection-string'
  properties: { value: insights.properties.ConnectionString }
}

// --- Database: one PostgreSQL server shared by every replica
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${suffix}-pg-${uniq}'
  location: location
  sku: postgresSku
  properties: {
    version: '15'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: postgresHighAvailability ? 'ZoneRedundant' : 'Disabled' }
    authConfig: { activeDirectoryAuth: 'Disabled', passwordAuth: 'Enabled' }
  }
}

resource postgresDb 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// Azure services (the Container Apps environment's outbound addresses) may connect; TLS required.
// For private networking, put the environment and the server in one virtual network instead.
resource postgresAzureAccess 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

// --- Container registry and the app
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: take('${namePrefix}${environmentName}acr${uniq}', 50)
  location: location
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

resource registryPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource containerEnv 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${suffix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    zoneRedundant: false
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  dependsOn: [vaultReader, registryPull, postgresDb]
  properties: {
    managedEnvironmentId: containerEnv.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'http'
        allowInsecure: false
      }
      registries: [{ server: registry.properties.loginServer, identity: identity.id }]
      secrets: [
        { name: 'database-url', keyVaultUrl: secretDatabaseUrl.properties.secretUri, identity: identity.id }
        { name: 'graph-client-secret', keyVaultUrl: secretGraphClient.properties.secretUri, identity: identity.id }
        { name: 'link-signing-secret', keyVaultUrl: secretLinkSigning.properties.secretUri, identity: identity.id }
        { name: 'applicationinsights-connection-string', keyVaultUrl: secretInsights.properties.secretUri, identity: identity.id }
      ]
    }
    template: {
      // A stopping replica gets SIGTERM, then this long before SIGKILL (the app stops within
      // SHUTDOWN_TIMEOUT_MS, below).
      terminationGracePeriodSeconds: 30
      containers: [
        {
          name: 'wexqs'
          image: containerImage
          resources: { cpu: json('1.0'), memory: '2Gi' }
          // App settings: the names are src/config.ts's (README, "Configuration").
          env: [
            { name: 'APP_MODE', value: 'tenant' }
            { name: 'HOST', value: '0.0.0.0' }
            { name: 'PORT', value: '8080' }
            { name: 'DATA_DIR', value: '/app/.data' }
            { name: 'LOG_LEVEL', value: logLevel }
            { name: 'TIME_ZONE', value: 'Europe/London' }
            { name: 'SHUTDOWN_TIMEOUT_MS', value: '20000' }
            { name: 'DATABASE_URL', secretRef: 'database-url' }
            { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
            { name: 'MicrosoftAppId', value: identity.properties.clientId }
            { name: 'MicrosoftAppTenantId', value: tenantId }
            { name: 'GRAPH_BASE_URL', value: 'https://graph.microsoft.com/v1.0' }
            { name: 'GRAPH_TENANT_ID', value: tenantId }
            { name: 'GRAPH_CLIENT_ID', value: entraAppClientId }
            { name: 'GRAPH_CLIENT_SECRET', secretRef: 'graph-client-secret' }
            { name: 'GRAPH_DRIVE_ID', value: graphDriveId }
            { name: 'GRAPH_ORGANISER_UPN', value: graphOrganiserUpn }
            { name: 'GRAPH_SEND_INVITATIONS', value: string(graphSendInvitations) }
            { name: 'GRAPH_ASSESSMENT_GROUP_ID', value: graphAssessmentGroupId }
            { name: 'SHAREPOINT_LICENCE_BAND', value: sharePointLicenceBand }
            { name: 'PUBLIC_BASE_URL', value: publicBaseUrl }
            { name: 'LINK_SIGNING_SECRET', secretRef: 'link-signing-secret' }
            { name: 'TEAMS_APP_ID', value: teamsAppId }
            { name: 'AAD_APP_CLIENT_ID', value: entraAppClientId }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'applicationinsights-connection-string' }
          ]
          probes: [
            {
              type: 'Liveness'
              httpGet: { path: '/healthz', port: 8080 }
              periodSeconds: 30
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: { path: '/readyz', port: 8080 }
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Startup'
              httpGet: { path: '/healthz', port: 8080 }
              periodSeconds: 5
              failureThreshold: 24
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [{ name: 'http', http: { metadata: { concurrentRequests: '50' } } }]
      }
    }
  }
}

// --- Azure Bot: single-tenant through the app's managed identity, Teams channel on.
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${suffix}-bot'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'WEx QS'
    endpoint: '${publicBaseUrl}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppTenantId: tenantId
    msaAppMSIResourceId: identity.id
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

output appUrl string = publicBaseUrl
output appDefaultHost string = app.properties.configuration.ingress.fqdn
output botId string = identity.properties.clientId
output registryLoginServer string = registry.properties.loginServer
output keyVaultName string = vault.name
output postgresHost string = postgres.properties.fullyQualifiedDomainName
